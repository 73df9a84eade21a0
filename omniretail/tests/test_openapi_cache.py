"""/api/openapi.json is built once per process and language: building it costs about 0.3 s
of CPU, and /api/docs and every client generator ask for it."""

import pytest
from ninja import NinjaAPI

pytestmark = pytest.mark.django_db


def test_the_document_is_built_once_and_answered_the_same(client, monkeypatch):
    built = []
    build = NinjaAPI.get_openapi_schema

    def counted(self, **kwargs):
        built.append(kwargs)
        return build(self, **kwargs)

    from omniretail.urls import api

    api.__dict__.pop("_openapi_schemas", None)  # what an earlier test built
    monkeypatch.setattr(NinjaAPI, "get_openapi_schema", counted)

    first = client.get("/api/openapi.json")
    second = client.get("/api/openapi.json")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and "/api/orders/checkout" in first.json()["paths"]
    assert len(built) == 1
    client.get("/api/openapi.json", headers={"accept-language": "en"})
    assert len(built) == 2  # its own language, its own build
