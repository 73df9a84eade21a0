"""What /api/openapi.json tells a client generator about /api/community (issue 21 item 3):
every JSON success answer is a named schema, a message's id is its public id (a string,
never the row key), and kinds, scopes, join rules, roles and statuses are enums."""

import pytest

from omniretail.community.models import Group, Member, Message
from omniretail.testing.openapi import json_answers


@pytest.fixture
def document(client, db):
    return client.get("/api/openapi.json").json()


def test_every_community_json_answer_is_a_named_schema(document):
    seen = 0
    for method, path, status, schema in json_answers(document, "/api/community"):
        assert schema.get("properties"), (method, path, status)
        seen += 1
    assert seen >= 20


def test_message_ids_are_public_ids_and_closed_sets_enums(document):
    schemas = document["components"]["schemas"]
    message = schemas["CommunityMessageOut"]["properties"]
    assert message["id"]["type"] == "string"
    assert set(message["kind"]["enum"]) == set(Message.Kind.values)
    assert "$ref" in message["card"]  # CommunityCardOut, not a free-form object
    assert schemas["CommunityQuoteOut"]["properties"]["id"]["type"] == "string"
    assert schemas["CommunityReadIn"]["properties"]["up_to"]["type"] == "string"
    group = schemas["CommunityGroupOut"]["properties"]
    assert set(group["scope"]["enum"]) == set(Group.Scope.values)
    assert set(group["join_rule"]["enum"]) == set(Group.JoinRule.values)
    member = schemas["CommunityMemberOut"]["properties"]
    assert set(member["role"]["enum"]) == set(Member.Role.values)
    assert set(member["status"]["enum"]) == set(Member.Status.values)
    assert set(schemas["CommunityCardIn"]["properties"]["kind"]["enum"]) == {
        "product",
        "groupbuy",
        "coupon",
    }
