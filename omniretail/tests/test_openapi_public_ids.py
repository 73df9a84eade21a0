"""No row key leaves the building through the API (issues 18 and 21): every id a client can
see in /api/openapi.json, in a path or in an answer, is an opaque public id (a string), never
an integer a caller could count up from. The walk covers every operation, every path
parameter and every property of every answer's schema, however nested. Nothing is
allow-listed: the integers left (a counter device's event `seq`, quantities, counts) are not
named like ids."""

import re

import pytest

METHODS = {"get", "post", "put", "patch", "delete"}
# `id`, `order_id`, `intentId`, `pk`: what a client reads as naming a row.
ID_LIKE = re.compile(r"(^|_)(id|pk)$|[a-z]Id$")


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").json()


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _is_integer(document: dict, schema: dict) -> bool:
    schema = _resolve(document, schema)
    if schema.get("type") == "integer":
        return True
    return any(_is_integer(document, s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def _integer_ids(document: dict, schema: dict, where: str, seen: set) -> list[str]:
    """Every property of `schema` (followed through refs, lists, unions and nested objects)
    that looks like an id and is an integer."""
    if "$ref" in schema:
        name = schema["$ref"]
        if name in seen:
            return []
        seen = seen | {name}
    schema = _resolve(document, schema)
    found = []
    for name, sub in schema.get("properties", {}).items():
        if ID_LIKE.search(name) and _is_integer(document, sub):
            found.append(f"{where}.{name}")
        found += _integer_ids(document, sub, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += _integer_ids(document, schema[key], where + "[]", seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            found += _integer_ids(document, sub, where, seen)
    return found


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_no_parameter_names_a_row_by_its_integer_key(document):
    found = [
        f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
        for path, method, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["in"] in ("path", "query")
        and ID_LIKE.search(parameter["name"])
        and _is_integer(document, parameter["schema"])
    ]
    assert found == []


def test_no_body_or_answer_carries_an_integer_id(document):
    found, answers = [], 0
    for path, method, operation in _operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            found += _integer_ids(document, media["schema"], f"{method.upper()} {path} body", set())
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                if "schema" in media:
                    answers += 1
                    where = f"{method.upper()} {path} {status}"
                    found += _integer_ids(document, media["schema"], where, set())
    assert answers > 300  # the walk reached the document's answers
    assert found == []


def test_the_walk_finds_an_integer_id_where_there_is_one():
    """The check itself: an integer id nested in a list of objects is caught, a string one
    and a count are not."""
    document = {
        "components": {
            "schemas": {
                "Word": {"properties": {"id": {"type": "integer"}, "word": {"type": "string"}}},
                "Line": {"properties": {"id": {"type": "string"}, "quantity": {"type": "integer"}}},
            }
        }
    }
    listing = {
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Word"}},
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
            "owner_id": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        }
    }
    assert set(_integer_ids(document, listing, "x", set())) == {"x.owner_id", "x.items[].id"}
