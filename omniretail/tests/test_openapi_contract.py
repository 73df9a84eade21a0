"""/api/openapi.json is what an app developer generates a client from: each body it shows must
be the one the server reads, and each refusal must be documented in the one error envelope the
server sends (core.errors, `{"error": {"code", "message", "fields"}}`)."""

import typing
from collections import defaultdict

import pytest
from pydantic import BaseModel

from omniretail.core.api import ErrorOut
from omniretail.urls import api

ERROR_REF = "#/components/schemas/ErrorOut"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _models_in(annotation, seen: set) -> None:
    """Every pydantic model an annotation names, however nested (list[X], X | None, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models_in(field.annotation, seen)
        return
    for arg in typing.get_args(annotation):
        _models_in(arg, seen)


def _api_models() -> set[type[BaseModel]]:
    """The schema classes behind every operation's bodies and responses (ninja wraps each in
    a generated model, whose fields name them), and the error envelope every operation shows."""
    models: set = set()
    _models_in(ErrorOut, models)
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                wrappers = [*operation.models, *operation.response_models.values()]
                for wrapper in wrappers:
                    if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
                        for field in wrapper.model_fields.values():
                            _models_in(field.annotation, models)
    return models


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_no_two_schemas_share_a_component_name():
    """The document keys schemas by class name: two classes with one name leave one route
    showing the other's body."""
    by_name = defaultdict(set)
    for model in _api_models():
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert shared == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/api/orders/merchant/redeem", "/api/inventory/receipts"],
)
def test_the_documented_body_is_the_one_the_server_requires(
    document, api_client, merchant_staff, path
):
    """An empty body is refused with one message per missing field: the same fields the
    document marks required."""
    ref = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    documented = document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]

    response = api_client(merchant_staff).post(path, {})

    assert response.status_code == 422
    assert set(documented["required"]) == set(response.json()["error"]["fields"])


def test_every_operation_documents_its_refusals_in_the_error_envelope(document):
    errors = {"400", "404", "409", "422", "429"}
    for path, method, operation in _operations(document):
        expected = errors | ({"401", "403"} if operation.get("security") else set())
        responses = operation["responses"]
        assert expected <= set(responses), (method, path)
        for status in expected:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (method, path, status)
        assert "Retry-After" in responses["429"]["headers"], (method, path)


@pytest.mark.django_db
def test_the_error_envelope_is_what_the_server_sends(document, api_client, merchant_staff):
    envelope = document["components"]["schemas"]["ErrorOut"]
    error = document["components"]["schemas"][
        envelope["properties"]["error"]["$ref"].rsplit("/", 1)[1]
    ]

    body = api_client(merchant_staff).post("/api/inventory/receipts", {}).json()

    assert set(envelope["required"]) == set(body)
    assert set(error["required"]) == set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "validation_failed"
    assert all(isinstance(messages, list) for messages in body["error"]["fields"].values())


def test_the_document_names_its_server_and_how_each_caller_signs_in(document):
    assert document["servers"] and document["servers"][0]["url"].startswith("http")
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) >= {"BearerToken", "SessionCookie", "Counter", "Terminal"}
    assert "issue_token" in schemes["BearerToken"]["description"]
    for path in ("/api/auth/otp/verify", "/api/auth/login", "/api/auth/tokens"):
        assert path in schemes["BearerToken"]["description"] and path in document["paths"]
    assert "X-CSRFToken" in schemes["SessionCookie"]["description"]
    device = document["paths"]["/api/counters/device/events"]["post"]
    assert device["security"] == [{"Counter": []}]
    terminal = document["paths"]["/api/terminals/device/jobs/next"]["get"]
    assert terminal["security"] == [{"Terminal": []}]


def _idempotency(operation) -> dict | None:
    return next(
        (p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"), None
    )


def test_idempotency_key_is_a_declared_header_exactly_where_it_is_honoured(document):
    paths = document["paths"]
    for path in (
        "/api/groupbuy/campaigns/{campaign_id}/join",
        "/api/pointsmall/goods/{public_id}/redeem",
        "/api/orders/orders/{order_id}/pay",
        "/api/orders/checkout",
        "/api/inventory/receipts",
    ):
        assert _idempotency(paths[path]["post"])["in"] == "header", path
    refunds = _idempotency(paths["/api/payments/intents/{intent_id}/refunds"]["post"])
    assert refunds["required"] is True  # refused without one
    assert _idempotency(paths["/api/catalog/products"]["get"]) is None


def test_the_api_docs_page_loads_swagger_from_our_own_static_files(client):
    """Offline (no CDN reachable) the page must still work: its scripts are ours."""
    page = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "unpkg" not in page
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
