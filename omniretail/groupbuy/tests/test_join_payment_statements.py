"""A join over the API pays the intent it has just written (issue 22): the payment neither
locks nor reads that intent back, and opens no savepoint inside the request's transaction."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.groupbuy.models import Member
from omniretail.groupbuy.tests.fixtures import CLIENT_VALUE
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db


def test_a_join_over_the_api_never_reads_the_intent_it_wrote(groupbuys, api_client):
    campaign = groupbuys.campaign()
    client = api_client(groupbuys.shopper(1))
    url = f"/api/groupbuy/campaigns/{campaign.public_id}/join"
    body = {"provider": "sandbox_gateway", "client_value": CLIENT_VALUE}
    with CaptureQueriesContext(connection) as ctx:
        joined = client.post(url, body, headers={"Idempotency-Key": "fresh-1"})
    assert joined.status_code == 201, joined.content
    statements = [q["sql"] for q in ctx.captured_queries]
    intent_reads = [
        s for s in statements if s.startswith("SELECT") and 'FROM "payments_paymentintent"' in s
    ]
    assert intent_reads == [], intent_reads
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 1, statements  # the request's
    member = Member.objects.get(public_id=joined.json()["id"])
    intent = PaymentIntent.objects.get(public_id=member.intent_id)
    assert intent.status == "processing" and joined.json()["redirect_url"]
