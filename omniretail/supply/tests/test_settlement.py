"""The split never loses or invents a fen, whatever the percentages, fees and amounts."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from omniretail.supply import selectors, settlement
from omniretail.supply.settlement import PARTIES, Terms

percent_sets = st.lists(st.integers(0, 10_000), min_size=3, max_size=3).filter(
    lambda xs: sum(xs) <= 10_000
)


@given(
    gross=st.integers(0, 10**9),
    quantity=st.integers(1, 1000),
    basis=percent_sets,
    fees=st.lists(st.integers(0, 500), min_size=4, max_size=4),
)
def test_shares_always_sum_to_the_sale(gross, quantity, basis, fees):
    hundredths = [*basis, 10_000 - sum(basis)]
    terms = Terms(
        percents={p: Decimal(h) / 100 for p, h in zip(PARTIES, hundredths, strict=True)},
        fees={p: Decimal(f) / 100 for p, f in zip(PARTIES, fees, strict=True)},
    )
    shares = settlement.split(gross, quantity, terms)
    assert sum(shares.values()) == gross
    assert all(v >= 0 for v in shares.values())


def test_fixed_fee_comes_first_then_percentages(channel):
    settlement.set_split_rule(
        actor=channel.ops,
        channel="retail",
        category=channel.category,
        percents={"producer": "10", "region": "5", "retailer": "80", "platform": "5"},
        fees={"platform": "1.00"},
    )
    terms = settlement.terms_for("retail", channel.category.pk)
    # ¥100.00 for 2 units: platform ¥2.00 first, then ¥98.00 by percentages
    assert settlement.split(10000, 2, terms) == {
        "producer": 980,
        "region": 490,
        "retailer": 7840,
        "platform": 200 + 490,
    }


def test_consumer_sale_shares_are_posted_once(channel):
    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    order = channel.buy(product, quantity=1)

    def shares():
        rows = selectors.allocations_of_sale(order.public_id)
        return list(rows.values_list("party", "amount_fen", "posting_id"))

    first = shares()
    settlement.settle_consumer_sale(order_id=order.public_id)
    again = shares()
    assert first == again
    assert sum(amount for _p, amount, _id in again) == 12000


def test_refunds_take_shares_back_in_proportion_and_statements_still_reconcile(channel):
    from datetime import date

    from omniretail.payments import services as payments
    from omniretail.payments.models import PaymentIntent
    from omniretail.supply.models import Allocation

    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    order = channel.buy(product, quantity=2)  # ¥240.00, free delivery
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    for n, amount in enumerate(["100.00", "20.01"]):
        with channel.capture(execute=True):
            payments.refund(
                intent=intent, amount=amount, reason="破损", idempotency_key=f"supply-refund-{n}"
            )
    order.refresh_from_db()
    rows = Allocation.objects.filter(source_ref=order.public_id)
    assert sum(rows.values_list("amount_fen", flat=True)) == 24000 - 12001
    assert rows.filter(kind="refund", posting__isnull=True).count() == 0
    settlement.reverse_refunded_sale(order_id=order.public_id)  # a replay adds nothing
    assert sum(rows.values_list("amount_fen", flat=True)) == 24000 - 12001
    statements = settlement.issue_statements(period_start=date.today(), period_end=date.today())
    wholesale = 10 * 7000
    assert sum(s.total_fen for s in statements) == wholesale + 24000 - 12001


def test_a_retailers_joining_fee_waiver_keeps_the_platforms_share_until_its_date(channel):
    """The joining reward's fee waiver (免收服务费): until its date the retailer keeps the
    platform's share of its sales, its statement says how much was waived (免收), a refund
    takes the waived part back in proportion, and after the date the platform is paid."""
    from datetime import date, timedelta

    from django.test import Client

    from omniretail.payments import services as payments
    from omniretail.payments.models import PaymentIntent
    from omniretail.supply.models import Allocation, MerchantApplication

    application = MerchantApplication.objects.create(
        applicant=channel.clerk,
        company_name="西湖便利有限公司",
        credit_code="91330106MA2H3KXX0R",
        licence_photo="private/licences/x.jpg",
        store_name="西湖店",
        store_address="杭州市西湖区文三路1号",
        store_phone="0571-88888888",
        store_lat=30.27,
        store_lon=120.15,
        status=MerchantApplication.Status.APPROVED,
        organization=channel.retailer,
        fee_waived_until=date.today(),
    )
    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)

    def shares(order):
        rows = Allocation.objects.filter(source_ref=order.public_id, kind="share")
        return {(r.party, r.amount_fen, r.waived_fen) for r in rows}

    waived = channel.buy(product, quantity=2)  # ¥240.00: built-in retail 0/3/92/5
    assert shares(waived) == {
        ("producer", 0, 0),
        ("region", 720, 0),
        ("retailer", 22080 + 1200, 1200),
    }
    intent = PaymentIntent.objects.get(public_id=waived.payment_intent_id)
    with channel.capture(execute=True):
        payments.refund(intent=intent, amount="60.00", reason="破损", idempotency_key="w-r")
    back = Allocation.objects.get(source_ref=waived.public_id, kind="refund", party="retailer")
    assert (back.amount_fen, back.waived_fen) == (-5820, -300)  # a quarter of the sale

    MerchantApplication.objects.filter(pk=application.pk).update(
        fee_waived_until=date.today() - timedelta(days=1)
    )
    charged = channel.buy(product, quantity=1)
    assert shares(charged) == {
        ("producer", 0, 0),
        ("region", 360, 0),
        ("retailer", 11040, 0),
        ("platform", 600, 0),
    }

    statements = settlement.issue_statements(period_start=date.today(), period_end=date.today())
    mine = next(s for s in statements if s.organization_id == channel.retailer.pk)
    assert mine.waived_fen == 1200 - 300
    web = Client()
    web.force_login(channel.clerk)
    page = web.get("/supply/statements/").content.decode()
    assert "免收 ¥9.00" in page
    rows = list(selectors.statement_csv_rows(mine))
    assert rows[0][-1] == "waived" and rows[-1][-1] == "9.00"
