"""Commission after it is credited: frozen, then withdrawable; payouts with a minimum,
never above what is withdrawable, reviewed once by the merchant's managers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.conftest import make_staff
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniretail.ledger.models import Entry
from omniretail.referrals import payouts, services
from omniretail.referrals.models import PayoutRequest
from omniretail.referrals.tests.fixtures import earn_commission, make_reseller

FREEZE_OVER = 8 + 7 + 1  # return window, then the freeze


def thaw(days=FREEZE_OVER):
    return payouts.release_frozen_commissions(now=timezone.now() + timedelta(days=days))


def ledger_rows() -> int:
    return Entry.objects.count()


@pytest.fixture
def reseller(referrals):
    reseller = make_reseller(referrals)
    earn_commission(referrals, reseller)  # 5 % of ¥1990.00
    return reseller


@pytest.mark.django_db
def test_commission_is_frozen_first_then_withdrawable(reseller):
    state = payouts.balances(reseller)
    assert (state["frozen"], state["withdrawable"]) == (Decimal("99.50"), Decimal("0.00"))
    assert thaw(days=8 + 6) == 0
    assert thaw() == 1
    state = payouts.balances(reseller)
    assert (state["frozen"], state["withdrawable"]) == (Decimal("0.00"), Decimal("99.50"))
    assert thaw() == 0


@pytest.mark.django_db
def test_a_payout_during_the_freeze_is_refused_and_changes_nothing(reseller):
    rows = ledger_rows()
    with pytest.raises(payouts.ExceedsWithdrawable) as refused:
        payouts.request_payout(user=reseller.user, reseller=reseller, amount="60.00")
    assert refused.value.status == 409
    assert "冻结期" in refused.value.message and "¥99.50" in refused.value.message
    assert PayoutRequest.objects.count() == 0 and ledger_rows() == rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("49.99", ValidationFailed),  # below the ¥50 minimum
        ("0", ValidationFailed),
        ("-5", ValidationFailed),
        ("60.001", ValidationFailed),
        ("abc", ValidationFailed),
        ("99.51", payouts.ExceedsWithdrawable),
    ],
)
def test_bad_payout_amounts_are_refused_and_change_nothing(reseller, amount, error):
    thaw()
    rows = ledger_rows()
    with pytest.raises(error) as refused:
        payouts.request_payout(user=reseller.user, reseller=reseller, amount=amount)
    assert "amount" in refused.value.fields
    assert PayoutRequest.objects.count() == 0 and ledger_rows() == rows
    assert payouts.balances(reseller)["withdrawable"] == Decimal("99.50")


@pytest.mark.django_db
def test_someone_else_cannot_withdraw_a_resellers_commission(reseller, referrals):
    thaw()
    with pytest.raises(Exception) as refused:
        payouts.request_payout(user=referrals.other, reseller=reseller, amount="60.00")
    assert refused.value.status == 404


@pytest.mark.django_db
def test_approved_payout_leaves_and_rejected_one_comes_back(reseller, referrals):
    thaw()
    first = payouts.request_payout(user=reseller.user, reseller=reseller, amount="60.00")
    assert payouts.balances(reseller)["withdrawable"] == Decimal("39.50")
    assert payouts.balances(reseller)["requested"] == Decimal("60.00")
    payouts.decide_payout(staff=referrals.staff, payout=first, approve=True)
    assert payouts.balances(reseller)["withdrawable"] == Decimal("39.50")
    assert payouts.balances(reseller)["requested"] == 0

    with pytest.raises(Conflict):
        payouts.decide_payout(staff=referrals.staff, payout=first, approve=False, reason="再想想")

    services.configure_programme(
        staff=referrals.staff, merchant=referrals.merchant, payout_minimum="10"
    )
    second = payouts.request_payout(user=reseller.user, reseller=reseller, amount="39.50")
    with pytest.raises(ValidationFailed) as no_reason:
        payouts.decide_payout(staff=referrals.staff, payout=second, approve=False, reason=" ")
    assert "reason" in no_reason.value.fields
    payouts.decide_payout(
        staff=referrals.staff, payout=second, approve=False, reason="银行卡信息有误"
    )
    second.refresh_from_db()
    assert second.status == "rejected" and second.reason == "银行卡信息有误"
    assert payouts.balances(reseller)["withdrawable"] == Decimal("39.50")


@pytest.mark.django_db
def test_only_the_merchants_managers_review_payouts(
    reseller, referrals, other_merchant_staff, merchant
):
    thaw()
    payout = payouts.request_payout(user=reseller.user, reseller=reseller, amount="60.00")
    clerk = make_staff(merchant, "till", role="staff")
    for outsider in (other_merchant_staff, clerk, referrals.other):
        with pytest.raises(PermissionDenied):
            payouts.decide_payout(staff=outsider, payout=payout, approve=True)
    payout.refresh_from_db()
    assert payout.status == "requested"


@pytest.mark.django_db
def test_a_refund_after_release_is_recovered_from_the_withdrawable_balance(reseller, referrals):
    thaw()
    order = referrals.buyer.orders.filter(lines__sku=referrals.sku2).get()
    referrals.refund(order, "398.00")  # a fifth of the sale: ¥19.90 of commission
    assert payouts.balances(reseller)["withdrawable"] == Decimal("79.60")


@pytest.mark.django_db
def test_a_refund_during_the_freeze_comes_out_of_the_frozen_commission(reseller, referrals):
    order = referrals.buyer.orders.filter(lines__sku=referrals.sku2).get()
    referrals.refund(order, "1990.00")
    assert payouts.balances(reseller)["frozen"] == 0
    assert thaw() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_payout_requests_never_exceed_the_withdrawable_balance(reseller, referrals, race):
    thaw()  # ¥99.50 withdrawable; ten requests of ¥30.00 at once
    services.configure_programme(
        staff=referrals.staff, merchant=referrals.merchant, payout_minimum="20"
    )
    outcomes = race(
        10,
        lambda i: payouts.request_payout(user=reseller.user, reseller=reseller, amount="30.00"),
    )
    granted = [o for o in outcomes if isinstance(o, PayoutRequest)]
    refused = [o for o in outcomes if isinstance(o, payouts.ExceedsWithdrawable)]
    assert len(granted) == 3 and len(refused) == 7, outcomes
    assert PayoutRequest.objects.count() == 3
    state = payouts.balances(reseller)
    assert state["withdrawable"] == Decimal("9.50") and state["requested"] == Decimal("90.00")
