"""A card terminal over real HTTP, as docs/terminal-protocol.md describes it: the reference
simulator fetches the job a clerk sent, reports the card's outcome, and the intent is paid
once; refunds go back through the terminal; forged or wrong reports change nothing."""

from decimal import Decimal

import pytest

from omniretail.conftest import make_staff
from omniretail.core.errors import Conflict, NotFound
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.terminals import services
from omniretail.terminals.models import TerminalJob
from omniretail.terminals.sim import TerminalSim

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def till(live, merchant, merchant_staff, shopper):
    terminal, credential = services.register(
        actor=merchant_staff, merchant=merchant, name="收银台 1 号"
    )

    def intent(amount="4999.00"):
        return payments.create_intent(
            purpose="order",
            reference=f"till-{amount}-{PaymentIntent.objects.count()}",
            amount=amount,
            payer=shopper,
            payee=merchant,
            provider="card_terminal",
        )

    return terminal, credential, intent


def sim(live, credential, **kw) -> TerminalSim:
    return TerminalSim(live.url, credential, log=lambda *_: None, **kw)


def test_a_card_sale_is_paid_once_through_the_simulator(live, till, merchant_staff):
    terminal, credential, new_intent = till
    intent = new_intent("4999.00")  # an electric vehicle at the counter
    job = services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    assert services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent) == job
    device = sim(live, credential)
    done = device.step()
    assert done["status"] == "approved" and done["card"] == {"scheme": "UnionPay", "last4": "7890"}
    intent.refresh_from_db()
    assert intent.status == "succeeded" and intent.provider_reference == job.public_id
    # the answer was lost: the terminal reports again, unchanged: nothing more happens
    report = device.reports[job.public_id]
    again, duplicate = services.report(terminal=terminal, job_id=job.public_id, data=report)
    assert duplicate and again.status == "approved"
    assert device.step() is None  # no job left


def test_a_declined_card_leaves_the_intent_payable_by_another_card(live, till, merchant_staff):
    terminal, credential, new_intent = till
    intent = new_intent("4999.00")
    services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    assert sim(live, credential, decline_above=Decimal("1000")).step()["status"] == "declined"
    intent.refresh_from_db()
    assert intent.status == "processing"
    services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    assert sim(live, credential).step()["status"] == "approved"
    intent.refresh_from_db()
    assert intent.status == "succeeded"


def test_a_refund_goes_back_through_the_terminal_that_took_the_card(live, till, merchant_staff):
    terminal, credential, new_intent = till
    intent = new_intent("300.00")
    services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    device = sim(live, credential)
    device.step()
    refund = payments.refund(intent=intent, amount="100.00", idempotency_key="r1")
    assert refund.status == "pending"  # the card gets it back at the terminal
    done = device.step()
    assert (done["kind"], done["amount"], done["status"]) == ("refund", "100.00", "approved")
    refund.refresh_from_db()
    intent.refresh_from_db()
    assert refund.status == "succeeded"
    assert (intent.status, intent.amount_refunded) == ("partially_refunded", Decimal("100.00"))


def test_a_declined_refund_gives_the_amount_back_to_what_may_be_refunded(
    live, till, merchant_staff
):
    terminal, credential, new_intent = till
    intent = new_intent("300.00")
    services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    sim(live, credential).step()
    refund = payments.refund(intent=intent, amount="300.00", idempotency_key="r1")
    assert sim(live, credential, decline_above=Decimal("1")).step()["status"] == "declined"
    refund.refresh_from_db()
    intent.refresh_from_db()
    assert refund.status == "failed"
    assert (intent.status, intent.amount_refunded) == ("succeeded", Decimal("0.00"))


def test_bad_reports_are_refused_and_change_nothing(live, till, merchant_staff, api_client):
    terminal, credential, new_intent = till
    intent = new_intent("88.00")
    job = services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    device = sim(live, credential)
    status, _ = device._call("GET", "/api/terminals/device/jobs/next")
    assert status == 200
    path = f"/api/terminals/device/jobs/{job.public_id}/result"
    good = {"outcome": "approved", "amount": "88.00", "terminal_reference": "T1"}
    for body, field in (
        ({**good, "amount": "8.80"}, "amount"),
        ({**good, "card": {"scheme": "UnionPay", "last4": "12a4"}}, "card"),
        (
            {**good, "card": {"scheme": "UnionPay", "last4": "1234"}, "terminal_reference": ""},
            "terminal_reference",
        ),
    ):
        status, answer = device._call("POST", path, body)
        assert status == 422 and field in answer["error"]["fields"], answer
    forged = sim(live, f"{terminal.key_id}.not-the-secret")
    assert forged._call("POST", path, good)[0] == 401
    other, other_credential = services.register(
        actor=merchant_staff, merchant=terminal.merchant, name="收银台 2 号"
    )
    assert sim(live, other_credential)._call("POST", path, good)[0] == 404
    services.revoke(actor=merchant_staff, terminal=other)
    assert sim(live, other_credential)._call("GET", "/api/terminals/device/jobs/next")[0] == 403
    intent.refresh_from_db()
    job.refresh_from_db()
    assert intent.status == "processing" and job.status == "sent"


def test_a_cancelled_sale_is_reported_back_as_cancelled_for_the_terminal_to_reverse(
    live, till, merchant_staff
):
    terminal, credential, new_intent = till
    intent = new_intent("50.00")
    job = services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    device = sim(live, credential)
    device._call("GET", "/api/terminals/device/jobs/next")
    payments.cancel_intent(intent=intent)
    report = device.decide({"id": job.public_id, "amount": "50.00"})
    status, answer = device._call(
        "POST", f"/api/terminals/device/jobs/{job.public_id}/result", report
    )
    assert status == 409 and answer["error"]["code"] == "job_cancelled"
    intent.refresh_from_db()
    assert intent.status == "cancelled"
    assert TerminalJob.objects.get(pk=job.pk).status == "cancelled"


def test_staff_of_another_merchant_cannot_use_the_terminal(till, other_merchant_staff):
    terminal, _credential, new_intent = till
    with pytest.raises(Exception) as refused:
        services.send_sale(staff=other_merchant_staff, terminal=terminal, intent=new_intent())
    assert getattr(refused.value, "status", None) in (403, 404)
    assert not TerminalJob.objects.exists()


def test_an_intent_of_another_provider_is_not_sent(till, merchant, merchant_staff, shopper):
    terminal, _credential, _new = till
    intent = payments.create_intent(
        purpose="order", reference="x", amount="10.00", payer=shopper, provider="balance"
    )
    with pytest.raises(NotFound):
        services.send_sale(staff=merchant_staff, terminal=terminal, intent=intent)
    services.revoke(actor=merchant_staff, terminal=terminal)
    with pytest.raises(Conflict):
        services.send_sale(staff=make_staff(merchant, "clerk2"), terminal=terminal, intent=intent)
