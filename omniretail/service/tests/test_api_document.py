"""What /api/openapi.json tells a client generator about /api/service (issue 21 item 3):
every JSON success answer is a named schema, ids are strings (public ids, never row
keys), and each closed set is an enum."""

import pytest

from omniretail.service.models import AgentPresence, Complaint, Conversation, Message

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client, db):
    return client.get("/api/openapi.json").json()


def _named(document, schema: dict) -> dict:
    schema = schema.get("items", schema)
    assert "$ref" in schema, schema
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def test_every_service_answer_is_a_named_schema(document):
    seen = 0
    for path, item in document["paths"].items():
        if not path.startswith("/api/service"):
            continue
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                body = response["content"]["application/json"]["schema"]
                assert _named(document, body).get("properties"), (method, path, status)
                seen += 1
    assert seen >= 20


def test_ids_are_public_ids_and_closed_sets_enums(document):
    schemas = document["components"]["schemas"]
    assert schemas["MessageOut"]["properties"]["id"]["type"] == "string"
    assert set(schemas["MessageOut"]["properties"]["sender"]["enum"]) == set(Message.Sender.values)
    assert set(schemas["ConversationOut"]["properties"]["status"]["enum"]) == set(
        Conversation.Status.values
    )
    assert set(schemas["QueueItemOut"]["properties"]["status"]["enum"]) == set(
        Conversation.Status.values
    )
    assert set(schemas["PresenceIn"]["properties"]["status"]["enum"]) == set(
        AgentPresence.Status.values
    )
    assert set(schemas["ComplaintOut"]["properties"]["status"]["enum"]) == set(
        Complaint.Status.values
    )
    assert set(schemas["ComplaintOut"]["properties"]["about"]["enum"]) == set(
        Complaint.About.values
    )
    assert set(schemas["ServiceSettingsIn"]["properties"]["assignment"]["enum"]) == {
        "round_robin",
        "claim",
    }
