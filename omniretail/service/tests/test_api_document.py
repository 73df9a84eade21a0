"""What /api/openapi.json tells a client generator about /api/service (issue 21 item 3):
every JSON success answer is a named schema, ids are strings (public ids, never row
keys), and each closed set is an enum."""

import pytest

from omniretail.service.models import AgentPresence, Complaint, Conversation, Message
from omniretail.testing.openapi import json_answers


@pytest.fixture
def document(client, db):
    return client.get("/api/openapi.json").json()


def test_every_service_answer_is_a_named_schema(document):
    seen = 0
    for method, path, status, schema in json_answers(document, "/api/service"):
        assert schema.get("properties"), (method, path, status)
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
