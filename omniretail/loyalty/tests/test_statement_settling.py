"""The platform clears a month between merchants: it collects from the merchant that owes
and pays the one owed, records each bank transfer once, and the interchange account ends
where it started. Through the service, the API and the operator's page; the merchant sees
the statement settled on its own console."""

import csv
import io

import pytest
from django.test import Client

from omniretail.accounts import services as accounts
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniretail.ledger import selectors as ledger_selectors
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Posting
from omniretail.loyalty import services, settlement
from omniretail.loyalty.models import SettlementLine, Statement

PTS = services.PLATFORM_POINTS
pytestmark = pytest.mark.django_db


def interchange_balance() -> int:
    account = ledger.system_account(asset_code=ledger.CNY, name=settlement.INTERCHANGE_ACCOUNT)
    return ledger_selectors.balance(account)


def test_the_platform_collects_from_the_debtor_pays_the_creditor_once_each(
    month, merchant, other_merchant, platform_staff
):
    start = interchange_balance()
    built = {s.org_id: s for s in settlement.build_month(month)}
    owes, owed = built[merchant.pk], built[other_merchant.pk]
    assert (owes.net_yuan, owed.net_yuan) == (-30, 30)
    assert settlement.month_overview(month)["collect"] == 30

    done = settlement.settle_statement(
        actor=platform_staff, statement=owes, reference=" ICBC 2026 1203 0001 "
    )
    assert done.status == Statement.Status.SETTLED
    assert done.transfer_reference == "ICBC 2026 1203 0001"  # trimmed
    assert done.settled_by == platform_staff and done.settled_at is not None
    assert (done.posting.amount, done.posting.kind) == (3000, "loyalty_statement_collection")
    assert interchange_balance() == start + 3000  # collected, not yet paid out

    settlement.settle_statement(actor=platform_staff, statement=owed, reference="CMB-77")
    assert interchange_balance() == start  # the month nets to zero
    overview = settlement.month_overview(month)
    assert (overview["collected"], overview["paid"], overview["settled"]) == (30, 30, 2)

    with pytest.raises(Conflict) as again:
        settlement.settle_statement(actor=platform_staff, statement=owed, reference="CMB-78")
    assert again.value.code == "already_settled"
    assert Posting.objects.filter(kind__startswith="loyalty_statement").count() == 2
    assert Statement.objects.get(pk=owed.pk).transfer_reference == "CMB-77"


def test_a_refused_settlement_writes_nothing(
    month, merchant, other_merchant, platform_staff, merchant_staff
):
    statement = settlement.build_statement(org=merchant, month=month)
    with pytest.raises(PermissionDenied):  # a merchant cannot clear its own debt
        settlement.settle_statement(actor=merchant_staff, statement=statement, reference="X1")
    with pytest.raises(ValidationFailed) as empty:
        settlement.settle_statement(actor=platform_staff, statement=statement, reference="  ")
    assert "reference" in empty.value.fields
    with pytest.raises(ValidationFailed):
        settlement.settle_statement(actor=platform_staff, statement=statement, reference="9" * 65)
    # a line changed behind the statement's back: it no longer reproduces, nothing is paid
    SettlementLine.objects.update(points=500)
    with pytest.raises(Conflict) as mismatch:
        settlement.settle_statement(actor=platform_staff, statement=statement, reference="X2")
    assert mismatch.value.code == "statement_mismatch"
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ISSUED and statement.posting is None
    assert not Posting.objects.filter(kind__startswith="loyalty_statement").exists()


def test_a_zero_statement_is_settled_without_a_transfer(month, platform_staff, region):
    quiet = accounts.create_organization(
        kind="merchant", name="斷橋 茶舍", code="duanqiao", region=region
    )
    zero = next(s for s in settlement.build_month(month) if s.org_id == quiet.pk)
    assert zero.net_yuan == 0 and zero.lines == []
    done = settlement.settle_statement(actor=platform_staff, statement=zero, reference="")
    assert done.status == Statement.Status.SETTLED and done.posting is None


def test_the_api_builds_lists_and_settles_a_month(
    month, api_client, platform_staff, merchant, merchant_staff
):
    ops = api_client(platform_staff)
    built = ops.post(f"/api/loyalty/platform/statements/{month.isoformat()}")
    assert built.status_code == 201
    mine = next(s for s in built.json() if s["org"] == merchant.public_id)
    assert (mine["net_yuan"], mine["status"]) == ("-30.00", "issued")
    assert mine["transfer_reference"] == "" and mine["settled_at"] is None

    listed = ops.get(f"/api/loyalty/platform/statements?month={month.isoformat()}").json()
    assert {s["id"] for s in listed} == {s["id"] for s in built.json()}
    url = f"/api/loyalty/platform/statements/{mine['id']}/settle"
    assert api_client(merchant_staff).post(url, {"reference": "X"}).status_code == 403
    assert ops.post(url, {"reference": ""}).status_code == 422
    settled = ops.post(url, {"reference": "农行 6228-0001"})
    assert settled.status_code == 200 and settled.json()["status"] == "settled"
    again = ops.post(url, {"reference": "农行 6228-0002"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_settled"
    missing = "/api/loyalty/platform/statements/nope/settle"
    assert ops.post(missing, {"reference": "X"}).status_code == 404

    clerk = api_client(merchant_staff)
    own = clerk.get(f"/api/loyalty/merchants/{merchant.public_id}/statements").json()
    assert own[0]["transfer_reference"] == "农行 6228-0001"
    assert clerk.get(f"/api/loyalty/platform/statements?month={month}").status_code == 403


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_operator_settles_on_the_page_and_the_merchant_sees_it(
    month, platform_staff, merchant_staff, merchant, other_merchant, store
):
    ops = logged_in(platform_staff)
    page = f"/ops/finance/points-statements/?month={month:%Y-%m}"
    assert "该月暂无结算单" in ops.get(page).content.decode()
    built = ops.post("/ops/finance/points-statements/", {"month": f"{month:%Y-%m}"})
    assert built.status_code == 302
    html = ops.get(page).content.decode()
    assert "新出具 2 张结算单，本月共 2 张，均已与账本核对" in html
    again = ops.post("/ops/finance/points-statements/", {"month": f"{month:%Y-%m}"}, follow=True)
    assert "新出具 0 张结算单，本月共 2 张" in again.content.decode()  # nothing issued twice
    assert merchant.name in html and other_merchant.name in html and "商家付给平台" in html
    assert "0 / 2" in html  # none settled yet (two merchants)

    owes = Statement.objects.get(org=merchant, month=month)
    settle = f"/ops/finance/points-statements/{owes.public_id}/settle/"
    refused = ops.post(settle, {"reference": ""})
    assert refused.status_code == 422 and "请填写银行转账流水号" in refused.content.decode()
    assert ops.post(settle, {"reference": "工行 0001"}).status_code == 302
    html = ops.get(page).content.decode()
    assert "已结清 · 工行 0001" in html and "1 / 2" in html

    console = logged_in(merchant_staff).get("/merchant/loyalty/").content.decode()
    assert "已结清" in console and "转账流水号 工行 0001" in console
    assert logged_in(merchant_staff).get(page).status_code == 403


def test_the_month_downloads_as_a_csv_excel_reads(
    month, platform_staff, merchant_staff, merchant, other_merchant
):
    """Finance staff reconcile the month against the bank in a spreadsheet: one row per
    statement, who pays whom, settled or not, with the transfer's number and the digest."""
    built = {s.org_id: s for s in settlement.build_month(month)}
    settlement.settle_statement(
        actor=platform_staff, statement=built[merchant.pk], reference="工行 2026 1203 0001"
    )
    ops = logged_in(platform_staff)
    page = f"/ops/finance/points-statements/?month={month:%Y-%m}"
    assert f'href="?month={month:%Y-%m}&amp;format=csv"' in ops.get(page).content.decode()

    response = ops.get(f"{page}&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    name = f"points-statements-{month:%Y-%m}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 with the BOM only
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:6] == ["商家编号", "商家", "月份", "净积分", "金额(元)", "方向"]
    by_org = {row[1]: row for row in rows[1:]}
    assert len(rows) == 3 and set(by_org) == {merchant.name, other_merchant.name}
    owes, owed = by_org[merchant.name], by_org[other_merchant.name]
    assert owes[2:9] == [
        f"{month:%Y-%m}",
        "-600",
        "30.00",
        "商家付给平台",
        "已结清",
        owes[7],
        "工行 2026 1203 0001",
    ]
    assert owes[7]  # the time it was settled
    assert owed[4:9] == ["30.00", "平台付给商家", "待结算", "", ""]
    assert owed[9] == built[other_merchant.pk].digest

    assert logged_in(merchant_staff).get(f"{page}&format=csv").status_code == 403
