"""The till's coupon (checked as online checkout checks it), points offset (积分抵扣),
refunds by line back the way the sale was paid (once per key, a clerk's large refund signed
by a manager), and the PDF receipt."""

import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.accounts.models import Membership
from omniretail.conftest import STAFF_PASSWORD, make_staff
from omniretail.inventory.models import StockLevel
from omniretail.ledger.models import Posting
from omniretail.loyalty import coupons, exchange, members
from omniretail.loyalty import selectors as loyalty_reads
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Coupon, Member
from omniretail.orders.tests.conftest import stocked, wallet  # noqa: F401
from omniretail.payments import selectors as payment_reads
from omniretail.till.models import TillRefund, TillSale

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client, settings, django_capture_on_commit_callbacks):
    """api(user): a client whose every call delivers its events as after a commit (the
    points a sale earns, the refund the order records)."""
    settings.OMNI_EVENTS_DELIVERY = "inline"

    class Delivering:
        def __init__(self, user):
            self.client = api_client(user)

        def __getattr__(self, method):
            def call(*args, **kwargs):
                with django_capture_on_commit_callbacks(execute=True):
                    return getattr(self.client, method)(*args, **kwargs)

            return call

    return Delivering


@pytest.fixture
def member(merchant, shopper):
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 10}])
    members.activate(user=shopper, org=merchant)
    Member.objects.filter(user=shopper, org=merchant).update(tier="金卡")
    loyalty.set_earn_rule(
        org=merchant, kind="per_item", points=1, tiers={"1": 1, "2": 3}, target="offline"
    )
    return shopper


def _coupon(org, user, *, key="c1", min_spend="50"):
    template = coupons.define_template(
        org=org, name="满50减10", kind="amount", amount_off="10", min_spend=min_spend
    )
    return coupons.issue_coupon(template=template, user=user, source="staff", idempotency_key=key)


def _sell(client, store, lines, key, **extra):
    body = {"store": store.public_id, "lines": lines, "member": "13700000001", **extra}
    return client.post("/api/till/sales", body, headers={"Idempotency-Key": key})


def _on_hand(store_location, sku) -> int:
    return StockLevel.objects.get(location=store_location, sku=sku).on_hand


def test_a_coupon_of_the_member_comes_off_at_the_till_and_is_used(
    stocked,  # noqa: F811
    store,
    sku,
    merchant,
    merchant_staff,
    member,
    api,
):
    coupon = _coupon(merchant, member)
    sale = _sell(
        api(merchant_staff),
        store,
        [{"barcode": sku.code, "quantity": 2}],
        "cp-1",
        coupon=coupon.public_id,
    )
    assert sale.status_code == 201, sale.json()
    receipt = sale.json()
    # 79.80, less the gold tier's 10 % (7.98), less the coupon's 10 on what is left
    assert receipt["total"] == "61.82"
    assert [d["kind"] for d in receipt["discount_lines"]] == ["tier", "coupon"]
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (Coupon.Status.USED, receipt["order"])


@pytest.mark.parametrize("expired", [False, True])
def test_the_coupon_comes_back_with_the_refund_of_the_whole_sale_while_it_is_valid(
    stocked,  # noqa: F811
    store,
    sku,
    merchant,
    merchant_staff,
    member,
    api,
    expired,
):
    coupon = _coupon(merchant, member)
    clerk = api(merchant_staff)
    lines = [{"barcode": sku.code, "quantity": 2}]
    sale = _sell(clerk, store, lines, "cb", coupon=coupon.public_id).json()
    url = f"/api/till/sales/{sale['order']}/refunds"
    one = {"lines": [{"sku": sku.public_id, "quantity": 1}]}

    assert clerk.post(url, one, headers={"Idempotency-Key": "cb1"}).status_code == 201
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (Coupon.Status.USED, sale["order"])  # partial

    if expired:
        Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(hours=1))
    assert clerk.post(url, {}, headers={"Idempotency-Key": "cb2"}).status_code == 201
    coupon.refresh_from_db()
    if expired:  # past its date it stays used: it could not be used again anyway
        assert (coupon.status, coupon.order_id) == (Coupon.Status.USED, sale["order"])
    else:
        assert (coupon.status, coupon.order_id, coupon.used_at) == (
            Coupon.Status.AVAILABLE,
            "",
            None,
        )
        again = _sell(clerk, store, lines, "cb-again", coupon=coupon.public_id)
        assert again.status_code == 201, again.json()  # and it buys again


@pytest.mark.parametrize(
    ("problem", "status", "code"),
    [
        ("another_merchant", 422, "coupon_wrong_merchant"),
        ("expired", 422, "coupon_expired"),
        ("min_spend", 422, "coupon_min_spend"),
        ("used", 409, "coupon_used"),
    ],
)
def test_a_coupon_checkout_would_refuse_is_refused_at_the_till_and_nothing_is_sold(
    stocked,  # noqa: F811
    store,
    store_location,
    sku,
    merchant,
    other_merchant,
    merchant_staff,
    member,
    api,
    problem,
    status,
    code,
):
    coupon = _coupon(
        other_merchant if problem == "another_merchant" else merchant,
        member,
        min_spend="500" if problem == "min_spend" else "50",
    )
    if problem == "expired":
        Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(hours=1))
    if problem == "used":
        Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED, order_id="X")
    before = _on_hand(store_location, sku)
    answer = _sell(
        api(merchant_staff),
        store,
        [{"barcode": sku.code, "quantity": 2}],
        f"cp-{problem}",
        coupon=coupon.public_id,
    )
    assert answer.status_code == status, answer.json()
    assert answer.json()["error"]["code"] == code
    assert "coupon" in answer.json()["error"]["fields"]
    assert not TillSale.objects.exists()
    assert _on_hand(store_location, sku) == before


def test_points_pay_part_of_a_sale_within_half_of_it_and_come_back_with_its_refund(
    stocked,  # noqa: F811
    store,
    store_location,
    sku,
    merchant,
    merchant_staff,
    member,
    api,
):
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=1000)
    offline = loyalty.merchant_asset_code(merchant)
    loyalty.award_points(
        user=member,
        asset_code=offline,
        points=60000,
        reason="到店积分",
        idempotency_key="seed",
        source_org=merchant,
    )
    clerk = api(merchant_staff)
    lines = [{"barcode": sku.code, "quantity": 2}]

    # 71.82 after the tier: at most 35.91 in points; 10 offline points are worth 1 fen
    too_many = _sell(clerk, store, lines, "pt-0", points=36000)
    assert too_many.status_code == 422
    assert "35.91" in too_many.json()["error"]["fields"]["points"][0]
    assert loyalty_reads.balance(member, offline) == 60000 and not TillSale.objects.exists()

    sale = _sell(clerk, store, lines, "pt-1", points=5000, cash_tendered="100")
    assert sale.status_code == 201, sale.json()
    receipt = sale.json()
    assert (receipt["total"], receipt["change"]) == ("66.82", "33.18")
    assert receipt["offset"] == {"asset": offline, "points": 5000, "value": "5.00"}
    assert loyalty_reads.balance(member, offline) == 60000 - 5000 + 3  # the sale earned 3

    back = clerk.post(
        f"/api/till/sales/{receipt['order']}/refunds", {}, headers={"Idempotency-Key": "r"}
    )
    assert back.status_code == 201, back.json()
    assert back.json()["amount"] == "66.82"
    assert back.json()["points_returned"] == {offline: 5000}
    # the offset is back and the 3 points the sale earned are taken back
    assert loyalty_reads.balance(member, offline) == 60000
    assert _on_hand(store_location, sku) == 20


def test_each_partial_refund_returns_its_share_of_the_points_offset_and_all_add_up(
    stocked,  # noqa: F811
    store,
    sku,
    merchant,
    merchant_staff,
    member,
    api,
):
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=1000)
    offline = loyalty.merchant_asset_code(merchant)
    loyalty.award_points(
        user=member,
        asset_code=offline,
        points=60000,
        reason="到店积分",
        idempotency_key="seed",
        source_org=merchant,
    )
    clerk = api(merchant_staff)
    lines = [{"barcode": sku.code, "quantity": 3}]
    sale = _sell(clerk, store, lines, "thirds", points=5000, cash_tendered="200").json()
    assert sale["offset"]["points"] == 5000
    url = f"/api/till/sales/{sale['order']}/refunds"
    one_unit = {"lines": [{"sku": sku.public_id, "quantity": 1}]}

    def returned():
        return sum(
            p.amount
            for p in Posting.objects.filter(kind="loyalty_refund", credit__asset__code=offline)
        )

    first = clerk.post(url, one_unit, headers={"Idempotency-Key": "t1"})
    assert first.status_code == 201, first.json()
    assert first.json()["points_returned"] == {offline: 1666}  # 5000 / 3, rounded down
    assert returned() == 1666
    again = clerk.post(url, one_unit, headers={"Idempotency-Key": "t1"})
    assert again.json() == first.json() and returned() == 1666  # the same key: once

    second = clerk.post(url, one_unit, headers={"Idempotency-Key": "t2"})
    assert second.json()["points_returned"] == {offline: 1667}  # 2/3 of 5000 is 3333
    last = clerk.post(url, one_unit, headers={"Idempotency-Key": "t3"})
    assert last.json()["points_returned"] == {offline: 1667}  # the remainder
    assert returned() == 5000
    # the whole offset is back and the points the sale earned are taken back
    assert loyalty_reads.balance(member, offline) == 60000


def test_a_refund_is_made_once_per_key_and_the_cash_comes_out_of_the_drawer(
    stocked,  # noqa: F811
    store,
    store_location,
    sku,
    merchant_staff,
    member,
    api,
):
    clerk = api(merchant_staff)
    receipt = _sell(
        clerk, store, [{"barcode": sku.code, "quantity": 2}], "once", cash_tendered="80"
    )
    order = receipt.json()["order"]
    body = {"lines": [{"sku": sku.public_id, "quantity": 1}], "reason": "包装破损"}
    url = f"/api/till/sales/{order}/refunds"
    first = clerk.post(url, body, headers={"Idempotency-Key": "k1"})
    again = clerk.post(url, body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json()
    assert TillRefund.objects.count() == 1
    # one unit's share of 71.82 for 79.80 of goods: 39.90 * 0.9 = 35.91
    assert first.json()["amount"] == "35.91"
    assert "35.91" in first.json()["drawer_note"]
    assert _on_hand(store_location, sku) == 19  # 20 - 2 sold + 1 back, once
    shift = clerk.get("/api/till/shift", {"store": store.public_id}).json()
    assert (shift["refunded"], shift["cash_expected"]) == ("35.91", "35.91")


def test_partial_refunds_by_line_add_up_to_the_sale_and_never_beyond_it(
    stocked,  # noqa: F811
    wallet,  # noqa: F811
    store,
    store_location,
    sku,
    sku2,
    merchant,
    merchant_staff,
    member,
    api,
):
    manager = api(merchant_staff)  # a manager: no sign-off needed
    sale = _sell(
        manager,
        store,
        [{"barcode": sku.code, "quantity": 3}, {"barcode": sku2.code, "quantity": 1}],
        "partial",
        payment="balance",
    ).json()
    assert sale["total"] == "465.93"  # (119.70 + 398.00) * 0.9
    balance_after_sale = payment_reads.wallet_balance(member)
    url = f"/api/till/sales/{sale['order']}/refunds"

    def refund(key, lines):
        return manager.post(url, {"lines": lines}, headers={"Idempotency-Key": key})

    one = refund("p1", [{"sku": sku.public_id, "quantity": 1}])
    assert one.json()["amount"] == "35.91"
    over = refund("p2", [{"sku": sku.public_id, "quantity": 3}])
    assert over.status_code == 422 and "最多可退 2 件" in over.json()["error"]["message"]
    stranger = refund("p3", [{"sku": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "quantity": 1}])
    assert stranger.status_code == 422
    assert TillRefund.objects.count() == 1

    rest = refund(
        "p4", [{"sku": sku.public_id, "quantity": 2}, {"sku": sku2.public_id, "quantity": 1}]
    )
    assert rest.status_code == 201, rest.json()
    assert Decimal(one.json()["amount"]) + Decimal(rest.json()["amount"]) == Decimal("465.93")
    assert payment_reads.wallet_balance(member) == balance_after_sale + Decimal("465.93")
    nothing_left = refund("p5", None)
    assert nothing_left.status_code == 409
    assert _on_hand(store_location, sku) == 20 and _on_hand(store_location, sku2) == 5


def test_a_clerks_refund_above_the_limit_needs_a_managers_sign_off(
    stocked,  # noqa: F811
    store,
    sku2,
    merchant,
    merchant_staff,
    member,
    api,
):
    cashier = make_staff(merchant, "cashier", role=Membership.Role.STAFF)
    clerk = api(cashier)
    sale = _sell(clerk, store, [{"barcode": sku2.code, "quantity": 1}], "big").json()
    url = f"/api/till/sales/{sale['order']}/refunds"

    alone = clerk.post(url, {}, headers={"Idempotency-Key": "b1"})
    assert alone.status_code == 403 and alone.json()["error"]["code"] == "approval_required"
    wrong = clerk.post(
        url,
        {"approver": merchant_staff.username, "approver_password": "wrong"},
        headers={"Idempotency-Key": "b2"},
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "approval_refused"
    peer = make_staff(merchant, "peer", role=Membership.Role.STAFF)
    by_peer = clerk.post(
        url,
        {"approver": peer.username, "approver_password": STAFF_PASSWORD},
        headers={"Idempotency-Key": "b3"},
    )
    assert by_peer.status_code == 403
    assert not TillRefund.objects.exists()

    signed = clerk.post(
        url,
        {"approver": merchant_staff.username, "approver_password": STAFF_PASSWORD},
        headers={"Idempotency-Key": "b4"},
    )
    assert signed.status_code == 201, signed.json()
    assert signed.json()["approved_by"] == merchant_staff.public_id
    assert signed.json()["amount"] == "358.20"


def _pdf_text(body: bytes) -> str:
    """The text a PDF's content streams show (hex UCS-2 strings, as the receipt writes)."""
    shown = []
    for stream in re.findall(rb"stream\n(.*?)\nendstream", body, re.S):
        for hexed in re.findall(rb"<([0-9A-F]+)> Tj", zlib.decompress(stream)):
            shown.append(bytes.fromhex(hexed.decode()).decode("utf-16-be"))
    return "\n".join(shown)


def test_the_pdf_receipt_is_a_pdf_with_the_sales_lines(
    stocked,  # noqa: F811
    store,
    sku,
    merchant_staff,
    member,
    api,
):
    clerk = api(merchant_staff)
    sale = _sell(clerk, store, [{"barcode": sku.code, "quantity": 2}], "pdf", cash_tendered="100")
    receipt = sale.json()
    answer = clerk.get(f"/api/till/sales/{receipt['order']}/receipt.pdf", {"download": "true"})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"].startswith("attachment;")
    body = answer.content
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)", body).group(1))
    assert body[start:].startswith(b"xref")  # the cross-reference table is where it says
    text = _pdf_text(body)
    assert "补水保湿面膜10片" in text
    assert "2 × ¥39.90" in text and "¥79.80" in text
    assert "¥71.82" in text and "¥28.18" in text  # total and change
    assert receipt["number"] in text
