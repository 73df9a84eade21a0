"""Credit, pay later (信用支付): a line granted by hand or by rule, purchases that never
exceed it, the monthly bill, repayment through a provider credited once, the daily late fee
and the freeze while overdue, refunds giving the credit back; bad input writes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.ledger.models import Posting
from omniretail.payments import credit, instalments, selectors, services
from omniretail.payments.models import (
    CreditBill,
    CreditLine,
    CreditRepayment,
    CreditRule,
    LateFee,
    PaymentIntent,
)
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.tests.helpers import charge_event, make_intent, signed_callback

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create(username="finance", phone="13600136000")


@pytest.fixture
def line(shopper, staff):
    return credit.grant(user=shopper, limit="2000.00", staff=staff)


@pytest.fixture
def pay_online(django_capture_on_commit_callbacks):
    """Pay an intent at the sandbox gateway and deliver its callback `times` times."""

    def pay(intent_id: str, times: int = 1) -> None:
        intent = PaymentIntent.objects.get(public_id=intent_id)
        gateway.pay(charge_id=intent.provider_reference)
        body, headers = signed_callback(charge_event(intent))
        for _ in range(times):
            with django_capture_on_commit_callbacks(execute=True):
                services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)

    return pay


@pytest.fixture
def clock(monkeypatch):
    """Set the day in China time that credit sees (bills, due dates, overdue)."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(credit, "today", lambda: day)

    return set_day


def buy(payer, amount: str) -> PaymentIntent:
    intent = make_intent(payer, provider="credit", amount=amount)
    services.start_payment(intent=intent)
    return intent


def test_only_a_payer_with_a_usable_line_is_offered_credit(shopper, other_shopper, line, staff):
    assert "信用支付" in [m.label for m in selectors.payment_methods(payer=shopper)]
    assert "credit" not in [m.name for m in selectors.payment_methods(payer=other_shopper)]
    assert "credit" not in [m.name for m in selectors.payment_methods()]  # nobody signed in
    with pytest.raises(ValidationFailed) as refused:
        make_intent(other_shopper, provider="credit", amount="10.00")
    assert "provider" in refused.value.fields
    credit.set_frozen(line=line, frozen=True, staff=staff, note="核查中")
    assert "credit" not in [m.name for m in selectors.payment_methods(payer=shopper)]
    assert not PaymentIntent.objects.exists()


def test_a_page_reads_the_wallet_and_the_line_at_once_and_offers_credit_as_the_line_allows(
    shopper, other_shopper, line, staff, pay_online, django_assert_num_queries
):
    # Given 300 in the wallet (a refund of what was repaid) and 500 spent of a 2000 line
    intent = buy(shopper, "300.00")
    repayment, _ = credit.start_repayment(user=shopper, amount="300.00", provider="sandbox_gateway")
    pay_online(repayment.intent_id)
    services.refund(intent=intent, amount="300.00", idempotency_key="return")
    buy(shopper, "500.00")

    def offered(payer, funds) -> list[str]:
        return [m.name for m in selectors.payment_methods(payer=payer, funds=funds)]

    # When the checkout page reads the shopper's funds, then one query has both
    with django_assert_num_queries(1):
        funds = selectors.funds_of(shopper)
        assert "credit" in offered(shopper, funds)
    assert (funds.wallet, funds.credit) == (Decimal("300.00"), Decimal("1500.00"))
    assert funds.wallet == selectors.wallet_balance(shopper)
    # and credit is offered as check_payer would: not when used up, frozen, or absent
    buy(shopper, "1500.00")
    assert "credit" not in offered(shopper, selectors.funds_of(shopper))
    credit.set_frozen(line=line, frozen=True, staff=staff, note="核查中")
    repayment, _ = credit.start_repayment(user=shopper, amount="500.00", provider="sandbox_gateway")
    pay_online(repayment.intent_id)
    assert "credit" not in offered(shopper, selectors.funds_of(shopper))
    nobody = selectors.funds_of(other_shopper)
    assert (nobody.wallet, nobody.credit_line, nobody.credit) == (0, None, 0)
    assert "credit" not in offered(other_shopper, nobody)
    assert "sandbox_gateway" in offered(other_shopper, nobody)


def test_a_purchase_on_credit_is_paid_at_once_and_uses_the_line(shopper, line):
    intent = buy(shopper, "1500.00")
    intent.refresh_from_db()
    assert intent.status == "succeeded"
    assert credit.available(shopper) == Decimal("500.00")
    assert credit.owed(line) == Decimal("1500.00")
    with pytest.raises(Conflict):
        services.start_payment(intent=intent)
    assert credit.available(shopper) == Decimal("500.00")


@pytest.mark.parametrize("amount", ["2000.01", "0", "-5.00", "10.001", "NaN"])
def test_a_bad_or_too_big_credit_purchase_is_a_422_and_writes_nothing(shopper, line, amount):
    with pytest.raises(ValidationFailed) as refused:
        make_intent(shopper, provider="credit", amount=amount)
    assert "amount" in refused.value.fields
    assert not PaymentIntent.objects.exists()
    assert credit.available(shopper) == Decimal("2000.00")


def test_a_refund_gives_the_credit_back(shopper, line):
    intent = buy(shopper, "800.00")
    services.refund(intent=intent, amount="300.00", idempotency_key="r1")
    assert credit.available(shopper) == Decimal("1500.00")
    line.refresh_from_db()
    assert (line.period_spent, line.period_refunded) == (Decimal("800.00"), Decimal("300.00"))


def test_the_bill_repayment_and_late_fees_add_up_to_the_fen(shopper, line, pay_online, clock):
    buy(shopper, "1234.56")
    refunded = buy(shopper, "100.00")
    services.refund(intent=refunded, amount="40.00", idempotency_key="r1")
    start = line.period_start
    end = credit.month_end(start)
    credit.charge_late_fees(day=end + timedelta(days=1))  # the month is over: its bill
    bill = CreditBill.objects.get(line=line)
    assert (bill.spent, bill.refunded, bill.amount) == (
        Decimal("1334.56"),
        Decimal("40.00"),
        Decimal("1294.56"),
    )
    assert bill.due_on == end + timedelta(days=credit.GRACE_DAYS)

    # Three days late: 0.05 % a day of ¥1294.56 is ¥0.65 (0.64728, half up), once a day.
    late = bill.due_on + timedelta(days=3)
    clock(late)
    for _ in range(3):
        credit.charge_late_fees(day=late)
    bill.refresh_from_db()
    line.refresh_from_db()
    assert LateFee.objects.filter(bill=bill).count() == 3
    assert bill.late_fees == Decimal("1.95")
    assert credit.fees_owed(shopper) == Decimal("1.95")
    assert line.overdue
    with pytest.raises(ValidationFailed):
        make_intent(shopper, provider="credit", amount="1.00")

    # Repay part: the fees go first, then the bill.
    repayment, started = credit.start_repayment(
        user=shopper, amount="500.00", provider="sandbox_gateway"
    )
    assert started.next_action == "redirect"
    pay_online(repayment.intent_id, times=5)
    bill.refresh_from_db()
    assert credit.fees_owed(shopper) == 0
    assert bill.settled == Decimal("498.05")
    assert credit.available(shopper) == Decimal("2000.00") - Decimal("1294.56") + Decimal("498.05")
    line.refresh_from_db()
    assert line.overdue  # still ¥796.51 overdue

    # Repay the rest: the line is unfrozen.
    rest = credit.amount_due(line)
    assert rest == Decimal("796.51")
    repayment, _ = credit.start_repayment(user=shopper, amount=rest, provider="sandbox_gateway")
    pay_online(repayment.intent_id)
    bill.refresh_from_db()
    line.refresh_from_db()
    assert bill.paid_at is not None and bill.remaining == 0
    assert not line.overdue
    assert credit.available(shopper) == Decimal("2000.00")
    assert credit.amount_due(line) == 0
    # paid in: 500 + 796.51 = 1294.56 of bill + 1.95 of fees
    assert Decimal("500.00") + rest == bill.amount + bill.late_fees


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.001", "abc"])
def test_a_bad_repayment_amount_is_a_422_and_writes_nothing(shopper, line, amount):
    buy(shopper, "100.00")
    with pytest.raises(ValidationFailed) as refused:
        credit.start_repayment(user=shopper, amount=amount, provider="sandbox_gateway")
    assert "amount" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        credit.start_repayment(user=shopper, amount="100.01", provider="sandbox_gateway")
    assert "amount" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        credit.start_repayment(user=shopper, amount="10.00", provider="credit")
    assert "provider" in refused.value.fields
    assert not CreditRepayment.objects.exists()
    assert PaymentIntent.objects.count() == 1


def test_a_refund_of_what_was_already_repaid_goes_to_the_balance(shopper, line, pay_online):
    intent = buy(shopper, "300.00")
    repayment, _ = credit.start_repayment(user=shopper, amount="300.00", provider="sandbox_gateway")
    pay_online(repayment.intent_id)
    assert credit.available(shopper) == Decimal("2000.00")
    services.refund(intent=intent, amount="300.00", idempotency_key="return")
    assert credit.available(shopper) == Decimal("2000.00")  # never above the limit
    assert selectors.wallet_balance(shopper) == Decimal("300.00")


def test_a_refund_that_settles_the_rest_of_a_bill_leaves_it_paid_to_the_fen(shopper, line, clock):
    """Found by the state machine on SQLite, which adds NUMERIC columns as floats:
    ¥0.38 repaid plus a ¥0.03 refund came to 0.41000000000000003, above the bill's ¥0.41,
    and the bill's CHECK refused the refund."""
    intent = buy(shopper, "0.41")
    end = credit.month_end(line.period_start)
    clock(end + timedelta(days=1))
    credit.charge_late_fees(day=end + timedelta(days=1))  # the month is over: its bill
    repayment = CreditRepayment.objects.create(
        user=shopper, kind="bill", amount=Decimal("0.38"), intent_id="k1"
    )
    credit.apply_repayment(repayment)
    services.refund(intent=intent, amount="0.03", idempotency_key="r1")
    bill = CreditBill.objects.get(line=line)
    assert (bill.settled, bill.remaining) == (Decimal("0.41"), Decimal("0"))
    assert bill.paid_at is not None
    assert credit.available(shopper) == Decimal("2000.00")
    assert selectors.wallet_balance(shopper) == 0


def test_limits_by_hand_cannot_go_below_what_is_owed(shopper, line, staff):
    buy(shopper, "1500.00")
    with pytest.raises(ValidationFailed) as refused:
        credit.adjust_limit(line=line, limit="1000.00", staff=staff)
    assert "limit" in refused.value.fields
    line.refresh_from_db()
    assert line.limit == Decimal("2000.00")
    credit.adjust_limit(line=line, limit="3000.00", staff=staff)
    assert credit.available(shopper) == Decimal("1500.00")
    with pytest.raises(Conflict):
        credit.grant(user=shopper, limit="100.00", staff=staff)
    for bad in ("0", "50000.01", "1.234"):
        with pytest.raises(ValidationFailed):
            credit.adjust_limit(line=line, limit=bad, staff=staff)


def test_a_rule_on_tier_and_history_grants_the_best_line_it_meets(shopper, staff):
    credit.create_rule(staff=staff, min_tier_rank="2", min_paid_orders="3", limit="2000.00")
    credit.create_rule(staff=staff, min_tier_rank="1", min_paid_orders="1", limit="500.00")
    assert credit.grant_by_rule(user=shopper, tier_rank=0, paid_orders=10) is None
    line = credit.grant_by_rule(user=shopper, tier_rank=2, paid_orders=3)
    assert (line.limit, line.source) == (Decimal("2000.00"), "rule")
    assert credit.available(shopper) == Decimal("2000.00")
    with pytest.raises(ValidationFailed) as refused:
        credit.create_rule(staff=staff, min_tier_rank="-1", min_paid_orders="0", limit="1")
    assert "min_tier_rank" in refused.value.fields
    assert CreditRule.objects.count() == 2


def test_a_replayed_repayment_notification_credits_once(shopper, line, pay_online):
    buy(shopper, "100.00")
    repayment, _ = credit.start_repayment(user=shopper, amount="60.00", provider="sandbox_gateway")
    pay_online(repayment.intent_id, times=20)
    assert credit.available(shopper) == Decimal("1960.00")
    assert Posting.objects.filter(kind="credit_repay").count() == 1


# --- instalments ----------------------------------------------------------------------


@pytest.fixture
def ev_order(shopper, merchant, line, staff):
    credit.adjust_limit(line=line, limit="6000.00", staff=staff)
    return make_intent(shopper, provider="credit", amount="4999.00", payee=merchant)


def test_an_instalment_plan_the_merchant_did_not_enable_is_a_422(shopper, ev_order, merchant):
    with pytest.raises(ValidationFailed) as refused:
        instalments.start_plan(
            user=shopper, intent_id=ev_order.public_id, months=6, provider="sandbox_gateway"
        )
    assert "months" in refused.value.fields
    instalments.set_terms(organization=merchant, months=[3, 12], release="first")
    with pytest.raises(ValidationFailed) as refused:
        instalments.start_plan(
            user=shopper, intent_id=ev_order.public_id, months=6, provider="sandbox_gateway"
        )
    assert "months" in refused.value.fields
    assert not ev_order.__class__.objects.filter(purpose=credit.PURPOSE).exists()


def test_the_schedule_adds_up_and_is_shown_before_paying(ev_order, merchant):
    instalments.set_terms(organization=merchant, months=[3, 6, 12], release="first")
    offers = {o["months"]: o for o in instalments.offers(ev_order)}
    twelve = offers[12]
    assert twelve["fee"] == Decimal("359.93")  # 7.2 % of ¥4,999.00, half up
    assert sum(x.principal for x in twelve["lines"]) == Decimal("4999.00")
    assert sum(x.amount for x in twelve["lines"]) == twelve["total"] == Decimal("5358.93")
    # ¥416.58 + ¥29.99 a month; the first takes the odd fen: ¥416.62 + ¥30.04
    assert (twelve["lines"][1].principal, twelve["lines"][1].fee) == (
        Decimal("416.58"),
        Decimal("29.99"),
    )
    assert (twelve["lines"][0].principal, twelve["lines"][0].fee) == (
        Decimal("416.62"),
        Decimal("30.04"),
    )
    start = twelve["lines"][0].due_on
    assert twelve["lines"][11].due_on == credit.add_months(start, 11)


def test_goods_released_on_the_first_instalment_and_the_plan_paid_off_early(
    shopper, ev_order, merchant, pay_online
):
    instalments.set_terms(organization=merchant, months=[3], release="first")
    plan, started = instalments.start_plan(
        user=shopper, intent_id=ev_order.public_id, months=3, provider="sandbox_gateway"
    )
    assert started.next_action == "redirect"
    ev_order.refresh_from_db()
    assert ev_order.status == "requires_payment"
    first = plan.payments.get()
    pay_online(first.intent_id, times=3)
    ev_order.refresh_from_db()
    plan.refresh_from_db()
    assert ev_order.status == "succeeded" and plan.status == "active"
    lines = list(plan.instalments.all())
    assert credit.available(shopper) == Decimal("6000.00") - Decimal("4999.00") + lines[0].principal

    # Early: the open principal; the fees of instalments not yet due are waived.
    assert instalments.early_amount(plan) == lines[1].principal + lines[2].principal
    repayment, _ = instalments.pay(
        user=shopper, plan_id=plan.public_id, provider="sandbox_gateway", early=True
    )
    pay_online(repayment.intent_id)
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert credit.available(shopper) == Decimal("6000.00")


def test_goods_held_until_full_payment_and_a_missed_instalment_freezes_the_line(
    shopper, ev_order, merchant, pay_online, clock
):
    instalments.set_terms(organization=merchant, months=[3], release="full")
    plan, _ = instalments.start_plan(
        user=shopper, intent_id=ev_order.public_id, months=3, provider="sandbox_gateway"
    )
    pay_online(plan.payments.get().intent_id)
    ev_order.refresh_from_db()
    assert ev_order.status == "processing" and ev_order.expires_at is None
    with pytest.raises(Conflict):
        services.cancel_intent(intent=ev_order)

    second = plan.instalments.get(number=2)
    clock(second.due_on + timedelta(days=2))
    instalments.daily()
    second.refresh_from_db()
    line = CreditLine.objects.get(user=shopper)
    assert line.overdue
    assert second.late_fees == 2 * credit.late_fee(second.amount)
    for number in (2, 3):
        repayment, _ = instalments.pay(
            user=shopper, plan_id=plan.public_id, provider="sandbox_gateway"
        )
        assert repayment.instalment_numbers == [number]
        pay_online(repayment.intent_id)
    ev_order.refresh_from_db()
    plan.refresh_from_db()
    assert plan.status == "completed" and ev_order.status == "succeeded"
    assert credit.available(shopper) == Decimal("6000.00")
    assert credit.fees_owed(shopper) == second.late_fees  # still owed, repaid like a bill


def test_an_instalment_plan_above_the_line_is_a_422(shopper, merchant, line):
    instalments.set_terms(organization=None, months=[3, 6, 12], release="first")
    big = make_intent(shopper, provider="balance", amount="4999.00", payee=merchant)
    PaymentIntent.objects.filter(pk=big.pk).update(provider="credit")
    with pytest.raises(ValidationFailed) as refused:
        instalments.start_plan(
            user=shopper, intent_id=big.public_id, months=12, provider="sandbox_gateway"
        )
    assert "amount" in refused.value.fields
    assert not big.__class__.objects.filter(purpose=credit.PURPOSE).exists()


def test_the_first_instalment_comes_back_when_the_order_was_cancelled_meanwhile(
    shopper, ev_order, merchant, pay_online
):
    instalments.set_terms(organization=merchant, months=[3], release="first")
    plan, _ = instalments.start_plan(
        user=shopper, intent_id=ev_order.public_id, months=3, provider="sandbox_gateway"
    )
    PaymentIntent.objects.filter(pk=ev_order.pk).update(status="cancelled")
    first = plan.payments.get()
    pay_online(first.intent_id)
    plan.refresh_from_db()
    assert plan.status == "cancelled"
    assert PaymentIntent.objects.get(public_id=first.intent_id).status == "refunded"
    assert credit.available(shopper) == Decimal("6000.00")


def test_month_helpers():
    assert credit.month_end(date(2026, 2, 3)) == date(2026, 2, 28)
    assert credit.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert credit.add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)


def test_paying_in_full_withdraws_the_chosen_plan_and_its_first_instalment(
    shopper, ev_order, merchant
):
    instalments.set_terms(organization=merchant, months=[3], release="first")
    plan, _ = instalments.start_plan(
        user=shopper, intent_id=ev_order.public_id, months=3, provider="sandbox_gateway"
    )
    first = plan.payments.get()
    services.start_payment(intent=ev_order)  # pays in full on credit instead
    plan.refresh_from_db()
    assert plan.status == "cancelled"
    first_intent = PaymentIntent.objects.get(public_id=first.intent_id)
    assert first_intent.status == "cancelled"
    with pytest.raises(Conflict):  # closed at the gateway too: it can no longer be paid
        gateway.pay(charge_id=first_intent.provider_reference)
    assert credit.available(shopper) == Decimal("6000.00") - Decimal("4999.00")


def test_a_payment_for_a_plan_already_paid_off_is_refunded(shopper, ev_order, merchant, pay_online):
    instalments.set_terms(organization=merchant, months=[3], release="first")
    plan, _ = instalments.start_plan(
        user=shopper, intent_id=ev_order.public_id, months=3, provider="sandbox_gateway"
    )
    pay_online(plan.payments.get().intent_id)
    next_one, _ = instalments.pay(user=shopper, plan_id=plan.public_id, provider="sandbox_gateway")
    early, _ = instalments.pay(
        user=shopper, plan_id=plan.public_id, provider="sandbox_gateway", early=True
    )
    pay_online(early.intent_id)
    plan.refresh_from_db()
    assert plan.status == "completed"
    pay_online(next_one.intent_id)  # the other tab's payment arrives afterwards
    assert PaymentIntent.objects.get(public_id=next_one.intent_id).status == "refunded"
    assert credit.available(shopper) == Decimal("6000.00")
    assert selectors.wallet_balance(shopper) == 0
