"""/api/openapi.json is what an app developer generates a client from: each body it shows must
be the one the server reads."""

import typing
from collections import defaultdict

import pytest
from pydantic import BaseModel

from omniretail.urls import api

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
    a generated model, whose fields name them))."""
    models: set = set()
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
