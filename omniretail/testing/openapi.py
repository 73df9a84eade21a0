"""Reading /api/openapi.json as a client generator does, for the API-document tests."""

METHODS = {"get", "post", "put", "patch", "delete"}


def named(document: dict, schema: dict) -> dict:
    """The component a (list of) `$ref` names; a bare inline object fails the test."""
    schema = schema.get("items", schema)
    assert "$ref" in schema, schema
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def json_answers(document: dict, prefix: str):
    """(method, path, status, named schema) of every success answer with a JSON body under
    `prefix`; a 2xx without a body (204) has nothing to name."""
    for path, item in document["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if not status.startswith("2") or "content" not in response:
                    continue
                body = response["content"]["application/json"]["schema"]
                yield method, path, status, named(document, body)
