"""Reading /metrics in tests."""

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families


def scrape(client: Client | None = None, **headers) -> dict:
    """/metrics as {(sample name, sorted labels): value}."""
    response = (client or Client()).get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def requests_counted(samples: dict, view: str, method: str = "GET", status: str = "2xx"):
    key = (
        "omniretail_http_request_duration_seconds_count",
        (("method", method), ("status", status), ("view", view)),
    )
    return samples.get(key, 0)
