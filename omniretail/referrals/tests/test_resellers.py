"""The reseller programme (seed S5): enough referred buyers earn reseller rights and the
price of one's own purchase back; then a tiered commission by monthly volume, one level
only."""

from decimal import Decimal

import pytest

from omniretail.notifications.models import Notification
from omniretail.payments.models import Refund
from omniretail.referrals.models import Attribution, Reseller
from omniretail.referrals.rewards import tier_rate
from omniretail.referrals.tests.fixtures import earn_commission, make_reseller, shopper_named
from omniretail.referrals.tests.test_rebates import wallet

pytestmark = pytest.mark.django_db
DEFAULT_TIERS = [
    {"up_to": 20, "rate": "0.0500"},
    {"up_to": 50, "rate": "0.0800"},
    {"up_to": None, "rate": "0.1200"},
]


def test_five_referred_buyers_earn_rights_and_the_own_purchase_back(referrals):
    sharer, other = referrals.sharer, referrals.other
    # the sharer's own purchase was itself referred by someone else
    referrals.click(sharer, referrals.share(other))
    own = referrals.buy(sharer)
    token = referrals.share(sharer)
    buyers = [shopper_named(f"1360000000{i}", f"买家{i}") for i in range(5)]
    for buyer in buyers[:4]:
        referrals.click(buyer, token)
        referrals.buy(buyer)
    referrals.buy(buyers[0])  # a second order of the same buyer is not a new buyer
    referrals.sweep()
    assert not Reseller.objects.filter(user=sharer).exists()
    before = wallet(sharer)

    referrals.click(buyers[4], token)
    referrals.buy(buyers[4])
    referrals.sweep()

    reseller = Reseller.objects.get(user=sharer)
    assert reseller.reward_order == own and reseller.reward_amount == Decimal("39.90")
    refund = Refund.objects.get(public_id=reseller.reward_refund_id)
    assert refund.intent.public_id == own.payment_intent_id  # back the way it was paid
    own.refresh_from_db()
    assert own.amount_refunded == Decimal("39.90")
    assert wallet(sharer) == before + Decimal("1.19") + Decimal("39.90")
    note = Notification.objects.get(user=sharer, title="获得销售权")
    assert "¥39.90" in note.body and "5%" in note.body
    # the refund was a reward, not a return: whoever referred the sharer keeps the rebate
    upstream = Attribution.objects.get(order=own)
    assert upstream.sharer == other and upstream.status == "credited"
    assert upstream.clawed_back == 0


def test_a_resellers_referred_sales_earn_commission_not_rebates(referrals):
    reseller = make_reseller(referrals)
    earn_commission(referrals, reseller)
    commission = Attribution.objects.get(kind="commission")
    assert (commission.month_rank, commission.rate, commission.amount) == (
        1,
        Decimal("0.0500"),
        Decimal("99.50"),
    )
    assert commission.sharer == referrals.sharer


@pytest.mark.parametrize(
    ("rank", "rate"),
    [(1, "0.05"), (20, "0.05"), (21, "0.08"), (50, "0.08"), (51, "0.12"), (500, "0.12")],
)
def test_tier_rate_by_monthly_rank(rank, rate):
    assert tier_rate(DEFAULT_TIERS, rank) == Decimal(rate)


def test_the_twenty_first_and_fifty_first_orders_of_a_month_earn_the_next_tier(referrals, settings):
    settings.OMNI_PICKUP_SLOT_CAPACITY = 100  # the 51 orders all book one pickup slot
    reseller = make_reseller(referrals)
    token = referrals.share(reseller.user)
    referrals.click(referrals.buyer, token)
    for _ in range(51):
        referrals.buy(referrals.buyer)
    assert referrals.sweep() == 51
    by_rank = {
        a.month_rank: (a.rate, a.amount) for a in Attribution.objects.filter(kind="commission")
    }
    assert sorted(by_rank) == list(range(1, 52))
    assert by_rank[20] == (Decimal("0.0500"), Decimal("1.99"))  # 5 % of ¥39.90
    assert by_rank[21] == (Decimal("0.0800"), Decimal("3.19"))
    assert by_rank[50] == (Decimal("0.0800"), Decimal("3.19"))
    assert by_rank[51] == (Decimal("0.1200"), Decimal("4.78"))


def test_one_level_only_a_recruits_sales_pay_the_recruiter_nothing(referrals):
    recruiter = make_reseller(referrals)
    recruit = referrals.buyer
    # the recruit bought through the recruiter's link and becomes a reseller in turn
    earn_commission(referrals, recruiter, quantity=1)
    recruiter_earned = list(Attribution.objects.filter(sharer=recruiter.user).values_list("pk"))
    customer = shopper_named("13500000001", "下线的顾客")
    referrals.click(customer, referrals.share(recruit))
    referrals.buy(customer)
    referrals.sweep()
    assert Reseller.objects.filter(user=recruit).exists()

    referrals.click(customer, referrals.share(recruit, referrals.sku2.product))
    referrals.buy(customer, lines=[(referrals.sku2, 3)])
    referrals.sweep()

    assert Attribution.objects.filter(sharer=recruit, kind="commission").count() == 1
    assert list(Attribution.objects.filter(sharer=recruiter.user).values_list("pk")) == (
        recruiter_earned
    )
