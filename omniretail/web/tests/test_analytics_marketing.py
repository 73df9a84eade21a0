"""The merchant's marketing page from the roll-up job over real rows: member growth beside
the previous period, repeat and returning buyers, coupon and referral ROI, points issued,
redeemed and outstanding; its CSV and XLSX; bad ranges and exports refused; another
merchant's figures never shown; and the page reads no raw order, member or ledger row."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.analytics.rollup_marketing import rollup_marketing
from omniretail.inventory.services import location_for_store
from omniretail.loyalty import services as points
from omniretail.loyalty.models import Coupon, CouponTemplate, Member
from omniretail.orders.models import Order
from omniretail.referrals.models import Attribution, ShareLink

_seq = iter(range(1, 10_000))


def _order(store, user, days_ago, total, *, refunded="0", coupon=None, discount="0"):
    lines = []
    if coupon is not None:
        lines = [{"kind": "coupon", "label": "满100减10", "amount": discount, "coupon": coupon}]
    return Order.objects.create(
        number=f"MP{next(_seq):08d}",
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        shopper=user,
        fulfilment=Order.Fulfilment.PICKUP,
        status=Order.Status.PAID,
        subtotal=Decimal(total) + Decimal(discount),
        discount_total=Decimal(discount),
        discount_lines=lines,
        total=Decimal(total),
        amount_refunded=Decimal(refunded),
        paid_at=timezone.now() - timedelta(days=days_ago),
    )


def _join(user, org, days_ago):
    member = Member.objects.create(user=user, org=org, name=user.username)
    Member.objects.filter(pk=member.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def _coupon(template, user, days_ago):
    n = next(_seq)
    coupon = Coupon.objects.create(
        template=template,
        user=user,
        org=template.org,
        seq=1,
        source=Coupon.Source.STAFF,
        valid_until=timezone.now() + timedelta(days=30),
        issue_key=f"mp:{n}",
    )
    Coupon.objects.filter(pk=coupon.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return coupon.public_id


@pytest.fixture
def facts(store, foreign_store, sku):
    m, rival = store.merchant, foreign_store.merchant
    a, b, c, d, e = (User.objects.create(username=f"买家{i}") for i in "甲乙丙丁戊")
    for user, days_ago in ((a, 2), (b, 3), (c, 5), (d, 40)):
        _join(user, m, days_ago)
    _join(e, rival, 1)
    template = CouponTemplate.objects.create(
        org=m, name="满100减10", kind="amount", amount_off=10, valid_days=30
    )
    coupon_a, coupon_b = _coupon(template, a, 4), _coupon(template, b, 4)
    _coupon(template, c, 4)
    _order(store, a, 40, "80.00")  # before the period: a returns
    _order(store, a, 3, "90.00", coupon=coupon_a, discount="10.00")
    second = _order(store, a, 1, "200.00")
    _order(store, b, 2, "190.00", refunded="40.00", coupon=coupon_b, discount="10.00")
    _order(store, c, 2, "60.00", refunded="60.00")  # refunded in full: no purchase
    _order(foreign_store, e, 1, "9000.00")
    Attribution.objects.create(
        order=second,
        product=sku.product,
        merchant=m,
        link=ShareLink.objects.create(sharer=d, product=sku.product),
        sharer=d,
        buyer=a,
        kind=Attribution.Kind.REBATE,
        form="cash",
        status=Attribution.Status.CREDITED,
        base=Decimal("200.00"),
        kept_base=Decimal("200.00"),
        rate=Decimal("0.05"),
        amount=Decimal("10.00"),
    )
    code = points.merchant_asset_code(m)
    points.award_points(user=a, asset_code=code, points=100, reason="消费", idempotency_key="p1")
    points.spend_points(user=a, asset_code=code, points=30, reason="兑换", idempotency_key="p2")
    points.award_points(
        user=e,
        asset_code=points.merchant_asset_code(rival),
        points=500,
        reason="消费",
        idempotency_key="p3",
    )
    rollup_marketing()
    return template


def _figures(page) -> dict:
    return {f["key"]: f for f in page.context["figures"]}


def test_the_merchant_sees_its_marketing_figures_beside_the_previous_period(
    client, merchant_staff, facts
):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics_marketing"))
    assert page.status_code == 200
    f = _figures(page)
    assert (f["new_members"]["value"], f["new_members"]["previous"]) == (3, 1)
    assert f["new_members"]["change"] == Decimal("200.0")
    assert f["members"]["value"] == 4
    # a bought twice and before the period; b once; c's only order was refunded in full
    assert (f["buyers"]["value"], f["repeat_rate"]["value"]) == (2, Decimal("50.0"))
    assert f["returning_rate"]["value"] == Decimal("50.0")
    # coupons: net 90 + (190 − 40) = 240 for 20 of discount
    assert (f["coupons_issued"]["value"], f["coupons_used"]["value"]) == (3, 2)
    assert (f["coupon_cost"]["value"], f["coupon_net"]["value"]) == (Decimal(20), Decimal(240))
    assert f["coupon_roi"]["value"] == Decimal("11.00")
    assert (f["referred_orders"]["value"], f["referral_roi"]["value"]) == (1, Decimal("19.00"))
    assert (f["points_issued"]["value"], f["points_redeemed"]["value"]) == (100, 30)
    assert f["points_liability"]["value"] == 70
    html = page.content.decode()
    assert "满100减10" in html and "11.00" in html
    assert "9000" not in html  # the rival's sale and points are not here
    assert 'data-testid="export-xlsx"' in html and 'data-testid="export-coupons"' in html
    assert (
        'data-testid="figure-repeat_rate"><span class="muted">复购率（%）</span><strong>50.0'
        in html
    )
    last = page.context["report"]["daily"][-1]
    assert (last["members"], last["points_liability"]) == (4, 70)


def test_the_page_reads_only_the_roll_ups(client, merchant_staff, facts):
    client.force_login(merchant_staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("web:m_analytics_marketing")).status_code == 200
    raw = ("orders_order", "loyalty_member", 'loyalty_coupon"', "ledger_entry", "referrals_")
    assert not [q["sql"] for q in queries if any(t in q["sql"] for t in raw)]


def test_csv_and_xlsx_exports_hold_the_page_figures(client, merchant_staff, facts):
    from openpyxl import load_workbook

    client.force_login(merchant_staff)
    url = reverse("web:m_analytics_marketing")
    response = client.get(url, {"export": "coupons"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "优惠券" and rows[1][0] == "满100减10"
    assert rows[1][2:] == ["3", "2", "20.00", "280.00", "40.00", "240.00", "11.00"]
    points_csv = client.get(url, {"export": "points"}).content.decode("utf-8-sig")
    assert points_csv.strip().splitlines()[-1].endswith(",100,30,0,0,70")
    book = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content))
    assert book.sheetnames == ["汇总", "会员增长", "优惠券", "推荐", "积分"]
    summary = {r[0]: r[1:] for r in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["新会员"] == (3, 1, 2.0)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2006-01-01", "end": "2026-01-01"}, "start"),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "end"),
        ({"export": "orders"}, "export"),
        ({"start": "昨天"}, "start"),
    ],
)
def test_bad_ranges_and_exports_are_refused_on_the_page(
    client, merchant_staff, facts, params, field
):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics_marketing"), params)
    assert page.status_code == 422
    assert field in page.context["error"].fields
    assert 'data-testid="error"' in page.content.decode()


def test_the_platform_sees_each_merchant_under_its_drill_down(
    client, platform_staff, facts, store, foreign_store
):
    client.force_login(platform_staff)
    drill = client.get(reverse("web:ops_analytics_merchant", args=[store.merchant.public_id]))
    url = reverse("web:ops_analytics_marketing", args=[store.merchant.public_id])
    assert url in drill.content.decode()
    assert _figures(client.get(url))["points_liability"]["value"] == 70
    rival = client.get(
        reverse("web:ops_analytics_marketing", args=[foreign_store.merchant.public_id])
    )
    f = _figures(rival)
    assert (f["new_members"]["value"], f["points_liability"]["value"]) == (1, 500)
    assert "满100减10" not in rival.content.decode()
    assert client.get(reverse("web:ops_analytics_marketing", args=["nope"])).status_code == 404


def test_the_merchant_dashboard_links_to_the_page(client, merchant_staff, facts):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics"))
    assert reverse("web:m_analytics_marketing") in page.content.decode()
