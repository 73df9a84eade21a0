"""What /api/openapi.json tells a client generator about /api/counters: every success answer
is a named schema (never a bare object or nothing), and each closed set (event kinds,
acknowledgement and lead statuses, command kinds) is an enum a generated client can check."""

import pytest

from omniretail.counters.models import Command, DeviceEvent, ScanLead, Vend

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").json()


def _schema(document, ref: dict) -> dict:
    return document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def _success_schemas(document):
    for path, item in document["paths"].items():
        if not path.startswith("/api/counters"):
            continue
        for method, operation in item.items():
            if method not in METHODS:
                continue
            successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
            yield path, method, successes


def test_every_counters_answer_is_a_named_schema(document):
    seen = 0
    for path, method, successes in _success_schemas(document):
        assert successes, (method, path)
        for status, response in successes.items():
            content = response.get("content")
            if status == "204":
                assert not content, (method, path)  # no body at all
                continue
            assert content, (method, path, status, "no schema")
            for media_type, body in content.items():
                schema = body["schema"]
                if media_type != "application/json":
                    continue  # a file, declared by its media type
                named = schema.get("items", schema)
                assert "$ref" in named, (method, path, status, schema)
                assert _schema(document, named).get("properties"), (method, path, status)
                seen += 1
    assert seen >= 30


def test_closed_sets_are_enums(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["EventIn"]["properties"]["kind"]["enum"]) == set(DeviceEvent.Kind.values)
    assert set(schemas["AckIn"]["properties"]["status"]["enum"]) == {"done", "rejected", "failed"}
    assert set(schemas["LeadIn"]["properties"]["status"]["enum"]) == {"new", "contacted"}
    assert set(schemas["CommandIn"]["properties"]["kind"]["enum"]) == {"show_content", "reboot"}
    assert set(schemas["LeadOut"]["properties"]["status"]["enum"]) == set(ScanLead.Status.values)
    assert set(schemas["AckOut"]["properties"]["status"]["enum"]) == set(Command.Status.values)
    assert set(schemas["VendOut"]["properties"]["status"]["enum"]) == set(Vend.Status.values)
    signed = schemas["CommandEnvelope"]["properties"]["kind"]["enum"]
    assert set(signed) == set(Command.Kind.values)


@pytest.mark.django_db
def test_an_unknown_event_kind_is_still_refused_on_its_field(counter_setup, api_client):
    """The enum changes the document, not the wire: the same 422 with `fields.kind`, and the
    sequence number is not used up."""
    device = api_client()
    headers = counter_setup.device_headers
    refused = device.post(
        "/api/counters/device/events", {"seq": 1, "kind": "explode"}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_failed"
    assert set(refused.json()["error"]["fields"]) == {"kind"}
    accepted = device.post(
        "/api/counters/device/events", {"seq": 1, "kind": "heartbeat"}, headers=headers
    )
    assert accepted.json() == {"seq": 1, "duplicate": False, "last_seq": 1}
