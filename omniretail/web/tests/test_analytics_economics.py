"""The operator's economics page from the roll-up job over real rows: points liability per
programme beside the previous period, points owed between merchants with each
organisation's drill-down, group-buy and referral economics; its CSV and XLSX; bad ranges,
exports and organisations refused on the page; the page reads no raw ledger row."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from omniretail.accounts.models import User
from omniretail.analytics.models import DailyGroupBuy, DailyReferral
from omniretail.analytics.rollup_platform import rollup_platform_changes
from omniretail.groupbuy.models import Campaign
from omniretail.ledger.services import PLATFORM_POINTS
from omniretail.loyalty import exchange
from omniretail.loyalty import services as loyalty


@pytest.fixture
def facts(merchant, other_merchant, store, sku):
    """Platform points: 400 issued (against the merchant) 40 days ago; 1,000 issued and 300
    of them spent at the other merchant this period. The merchant's own points: 500, worth
    1:10 in platform points. A group buy and a merchant's referrals this period."""
    shopper = User.objects.create(username="买家", phone="13812345678")
    now = timezone.now()
    with freeze_time(now - timedelta(days=40)):
        loyalty.award_points(
            user=shopper,
            asset_code=PLATFORM_POINTS,
            points=400,
            reason="order",
            idempotency_key="old",
            source_org=merchant,
            expires_on=timezone.localdate() + timedelta(days=365),
        )
    with freeze_time(now - timedelta(days=3)):
        loyalty.award_points(
            user=shopper,
            asset_code=PLATFORM_POINTS,
            points=1000,
            reason="order",
            idempotency_key="new",
            source_org=merchant,
        )
        loyalty.spend_points(
            user=shopper,
            asset_code=PLATFORM_POINTS,
            points=300,
            reason="mall",
            idempotency_key="spend",
            spent_at_org=other_merchant,
        )
        loyalty.award_points(
            user=shopper,
            asset_code=loyalty.merchant_asset_code(merchant),
            points=500,
            reason="till",
            idempotency_key="offline",
        )
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=1000)
    rollup_platform_changes()
    day = timezone.localdate() - timedelta(days=2)
    campaign = Campaign.objects.create(
        merchant=merchant,
        store=store,
        sku=sku,
        title="明前龙井三人团",
        quantity=3,
        group_price=Decimal("99.00"),
        group_size=3,
        winners_per_group=1,
        starts_at=now - timedelta(days=5),
        ends_at=now + timedelta(days=5),
        navigation_address="杭州市西湖区龙井路1号",
        phone="0571-88888888",
    )
    # the roll-up's own rows for what would need a payment provider to make for real
    DailyGroupBuy.objects.create(
        day=day,
        merchant=merchant,
        campaign=campaign,
        joins=3,
        paid=3,
        paid_amount=Decimal("297.00"),
        refunds=2,
        refunded_amount=Decimal("198.00"),
        groups_drawn=1,
        winners=1,
        redeemed=1,
        consolation_points=200,
        consolation_coupons=2,
        coupon_value=Decimal("10.00"),
    )
    DailyReferral.objects.create(
        day=day,
        merchant=merchant,
        orders=4,
        gmv=Decimal("1000.00"),
        refunded=Decimal("100.00"),
        commission=Decimal("45.00"),
        rebates=Decimal("9.00"),
        clicks=25,
        share_points=100,
        clawed_back=Decimal("5.00"),
    )
    return {"merchant": merchant, "other": other_merchant}


def _figures(page) -> dict:
    return {f["key"]: f for f in page.context["figures"]}


def test_the_operator_sees_liability_settlement_groupbuy_and_referrals(
    client, platform_staff, facts
):
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_economics"))
    assert page.status_code == 200
    f = _figures(page)
    # platform points: 1,100 held at ¥0.01; the merchant's 500 at 1:10 -> 50 platform points
    assert f["liability"]["value"] == Decimal("11.50")
    assert f["liability"]["previous"] == Decimal("4.00")
    assert f["points_issued"]["value"] == Decimal("10.50")  # 1,000 × 0.01 + 500 × 0.001
    assert f["points_issued"]["previous"] == Decimal("4.00")
    assert f["points_redeemed"]["value"] == Decimal("3.00")
    assert f["between_merchants"]["value"] == Decimal("3.00")
    assert f["groupbuy_gmv"]["value"] == Decimal("99.00")
    assert f["groupbuy_cost"]["value"] == Decimal("12.00")  # 200 points + ¥10 of coupons
    # ¥45 + ¥9 - ¥5 clawed back + 100 points = ¥50 on ¥900 referred net of refunds
    assert f["referral_cost"]["value"] == Decimal("50.00")
    assert f["referral_cost_share"]["value"] == Decimal("5.6")
    html = page.content.decode()
    assert 'data-testid="figure-liability"' in html and "11.50" in html
    assert "明前龙井三人团" in html and "5.6%" in html
    programmes = {r["name"]: r for r in page.context["report"]["programmes"]}
    assert programmes["平台积分"]["outstanding"] == 1100
    assert programmes[facts["merchant"].name]["outstanding_yuan"] == Decimal("0.50")
    settlement = {r["name"]: r for r in page.context["report"]["settlement"]}
    assert settlement[facts["other"].name]["receivable_points"] == 300
    assert settlement[facts["merchant"].name]["payable_points"] == 300
    assert settlement[facts["merchant"].name]["net_yuan"] == Decimal("-3.00")
    assert page.context["points_chart"]


def test_each_organisation_drills_down_to_its_lines(client, platform_staff, facts):
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_economics"))
    drill = reverse("web:ops_economics_org", args=[facts["other"].public_id])
    assert drill in page.content.decode()
    lines = client.get(drill)
    assert lines.status_code == 200
    [row] = lines.context["report"]["counterparties"]
    assert (row["counterparty__name"], row["receivable"], row["net_yuan"]) == (
        facts["merchant"].name,
        300,
        Decimal("3.00"),
    )
    assert facts["merchant"].name in lines.content.decode()
    assert client.get(reverse("web:ops_economics_org", args=["nope"])).status_code == 404


def test_the_page_reads_only_the_roll_ups(client, platform_staff, facts):
    client.force_login(platform_staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("web:ops_economics")).status_code == 200
    raw = (
        "ledger_entry",
        "ledger_posting",
        "loyalty_settlementline",
        "referrals_",
        "groupbuy_member",
    )
    assert not [q["sql"] for q in queries if any(t in q["sql"] for t in raw)]


def test_csv_and_xlsx_exports_hold_the_page_figures(client, platform_staff, facts):
    from openpyxl import load_workbook

    client.force_login(platform_staff)
    url = reverse("web:ops_economics")
    response = client.get(url, {"export": "referrals"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "商户"
    assert rows[1] == [
        facts["merchant"].name, "4", "1000.00", "100.00", "45.00", "9.00", "0", "100", "5.00",
        "0.00", "25", "50.00", "5.6",
    ]  # fmt: skip
    programmes = client.get(url, {"export": "programmes"}).content.decode("utf-8-sig")
    assert "平台积分,0.01,1100,11.00,400" in programmes
    book = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content))
    assert book.sheetnames == ["汇总", "积分负债", "每日积分", "商户结算", "拼团", "推荐"]
    summary = {r[0]: r[1:] for r in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["积分负债（元）"][:2] == (Decimal("11.50"), Decimal("4.00"))
    org_csv = client.get(
        reverse("web:ops_economics_org", args=[facts["other"].public_id]),
        {"export": "counterparties"},
    ).content.decode("utf-8-sig")
    assert f"{facts['merchant'].name},300,0,300,3.00" in org_csv


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
    client, platform_staff, facts, params, field
):
    client.force_login(platform_staff)
    for url in (
        reverse("web:ops_economics"),
        reverse("web:ops_economics_org", args=[facts["other"].public_id]),
    ):
        page = client.get(url, params)
        assert page.status_code == 422
        assert field in page.context["error"].fields
        assert 'data-testid="error"' in page.content.decode()


def test_the_platform_dashboard_links_to_the_page(client, platform_staff, merchant_staff, facts):
    client.force_login(platform_staff)
    assert reverse("web:ops_economics") in client.get(reverse("web:ops_analytics")).content.decode()
    client.force_login(merchant_staff)
    assert client.get(reverse("web:ops_economics")).status_code == 403
