"""The till page (收银台) through Django's test client: a clerk scans goods, names the
member, sees the tier discount and the points the sale earns, takes cash with change and
lands on the receipt; refusals (unknown barcode, short cash, an expired member code,
another merchant) change nothing; the shift report counts the sale; a shopper's member
code page shows a code the till accepts."""

import time

import pytest

from omniretail.loyalty import member_code, members, selectors
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Member
from omniretail.orders.models import Order
from omniretail.till.models import TillSale

pytestmark = pytest.mark.django_db
TILL = "/merchant/till/"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def gold(commerce, merchant):
    """The fixture's member is 金卡 (5 % off); the mask's rule pays offline points 1 / 3."""
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 5}])
    members.activate(user=commerce.member, org=merchant)
    Member.objects.filter(user=commerce.member).update(tier="金卡")
    loyalty.set_earn_rule(
        org=merchant, kind="per_item", points=1, tiers={"1": 1, "2": 3}, target="offline"
    )
    return commerce


@pytest.fixture
def clerk(client, commerce):
    client.force_login(commerce.staff)
    client.get(TILL, {"store": commerce.near_store.public_id})
    return client


def scan(client, barcode):
    return client.post(TILL, {"action": "scan", "barcode": barcode})


def test_a_clerk_scans_names_the_member_takes_cash_and_prints_the_receipt(
    clerk, gold, merchant, django_capture_on_commit_callbacks
):
    assert scan(clerk, "MASK-10").status_code == 302
    assert scan(clerk, "MASK-10").status_code == 302
    clerk.post(TILL, {"action": "member", "member": "13800138000"})
    page = text(clerk.get(TILL))
    # 2 x 39.90 = 79.80, 金卡 5 % = 3.99 off, 75.81 due, 3 of the merchant's points
    assert "¥79.80" in page and "金卡会员 5% 折扣" in page and "¥75.81" in page
    assert "湖滨便利积分" in page and "+3" in page
    assert "138****8000" in page

    with django_capture_on_commit_callbacks(execute=True):
        paid = clerk.post(TILL, {"action": "cash", "cash_tendered": "100"})
    assert paid.status_code == 302
    receipt = text(clerk.get(paid["Location"]))
    assert "找零 ¥24.19" in receipt
    assert "本单积分 湖滨便利积分" in receipt and "+3" in receipt
    assert "@page" not in receipt  # the print rule lives in till.css
    offline = loyalty.merchant_asset_code(merchant)
    assert selectors.balance(gold.member, offline) == 3
    assert "扫描商品条码开始收银" in text(clerk.get(TILL))  # the next sale starts empty

    shift = text(clerk.get("/merchant/till/shift/"))
    assert "¥75.81" in shift  # cash sales and the cash expected in the drawer


def test_short_cash_and_an_unknown_barcode_are_refused_and_nothing_is_sold(clerk, gold):
    unknown = scan(clerk, "6901234567892")
    assert unknown.status_code == 404
    assert "找不到条码为「6901234567892」的商品" in text(unknown)
    scan(clerk, "MASK-10")
    short = clerk.post(TILL, {"action": "cash", "cash_tendered": "39.89"})
    assert short.status_code == 422
    assert "实收 ¥39.89 少于应收 ¥39.90" in text(short)
    assert not Order.objects.exists() and not TillSale.objects.exists()
    assert "MASK-10" in text(clerk.get(TILL))  # the sale is still on the till


def test_an_expired_member_code_is_refused_and_a_fresh_one_names_the_member(clerk, gold):
    stale = member_code.member_code(gold.member, now=time.time() - 180)
    refused = scan(clerk, stale)
    assert refused.status_code == 422
    assert "会员码已过期" in text(refused)
    assert scan(clerk, member_code.member_code(gold.member)).status_code == 302
    assert "138****8000" in text(clerk.get(TILL))


def test_staff_of_another_merchant_cannot_use_this_stores_till(
    client, commerce, other_merchant_staff
):
    client.force_login(other_merchant_staff)
    response = client.get(TILL, {"store": commerce.near_store.public_id})
    assert response.status_code == 404
    assert client.post(f"{TILL}?store={commerce.near_store.public_id}", {}).status_code == 404
    assert not Order.objects.exists()


def test_the_shoppers_member_code_page_shows_a_code_the_till_accepts(client, commerce):
    client.force_login(commerce.member)
    assert 'href="/me/member-code/"' in text(client.get("/me/"))
    page = text(client.get("/me/member-code/"))
    code = page.split('data-testid="member-code-text">')[1].split("<")[0]
    assert member_code.user_for_code(code) == commerce.member
    assert "<svg" in page


def test_pressing_pay_twice_sells_once_and_shows_the_same_receipt(clerk, gold):
    scan(clerk, "MASK-10")
    page = text(clerk.get(TILL))
    key = page.split('name="key" value="')[1].split('"')[0]
    first = clerk.post(TILL, {"action": "cash", "cash_tendered": "50", "key": key})
    again = clerk.post(TILL, {"action": "cash", "cash_tendered": "50", "key": key})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Order.objects.count() == TillSale.objects.count() == 1
    scan(clerk, "MASK-10")
    assert f'name="key" value="{key}"' not in text(clerk.get(TILL))  # the next sale's own


def test_a_scanned_coupon_comes_off_and_a_refund_at_the_till_returns_the_cash_once(
    clerk, gold, merchant, django_capture_on_commit_callbacks
):
    from omniretail.inventory.models import StockLevel
    from omniretail.loyalty import coupons

    template = coupons.define_template(
        org=merchant, name="满50减10", kind="amount", amount_off="10", min_spend="50"
    )
    coupon = coupons.issue_coupon(
        template=template, user=gold.member, source="staff", idempotency_key="till-page"
    )
    scan(clerk, "MASK-10")
    scan(clerk, "MASK-10")
    clerk.post(TILL, {"action": "member", "member": "13800138000"})
    assert "满50减10" in text(clerk.get(TILL))  # the member's coupons to pick from
    assert scan(clerk, coupon.public_id).status_code == 302  # or the code on their phone
    page = text(clerk.get(TILL))
    assert "¥65.81" in page  # 79.80 - 3.99 (金卡) - 10 (coupon)
    with django_capture_on_commit_callbacks(execute=True):
        paid = clerk.post(TILL, {"action": "cash", "cash_tendered": "70"})
    sale = TillSale.objects.get()
    shelf = StockLevel.objects.get(sku=sale.order.lines.get().sku, location=sale.order.location)
    before = shelf.on_hand

    form = clerk.get(f"/merchant/till/receipts/{sale.order.public_id}/refund/")
    key = form.context["key"]
    sku_id = sale.order.lines.get().sku.public_id
    body = {"key": key, f"qty_{sku_id}": "2", "reason": "顾客不要了"}
    for _attempt in range(2):  # a double click refunds once
        with django_capture_on_commit_callbacks(execute=True):
            done = clerk.post(f"/merchant/till/receipts/{sale.order.public_id}/refund/", body)
        assert done.status_code == 302
    receipt = text(clerk.get(paid["Location"]))
    assert "从钱箱取出现金 ¥65.81 退给顾客" in receipt and "-¥65.81" in receipt
    shelf.refresh_from_db()
    assert shelf.on_hand == before + 2
    shift = text(clerk.get("/merchant/till/shift/"))
    assert 'data-testid="cash-expected">¥0.00<' in shift  # the cash went back out

    pdf = clerk.get(f"/merchant/till/receipts/{sale.order.public_id}/receipt.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_a_member_whose_tier_has_priority_service_is_marked_on_the_till(clerk, gold, merchant):
    """Priority service marks the member at the till (the issue: "puts a member's pickup
    orders first in the store's queue and marks them on the till"); a tier without it
    shows no mark."""
    scan(clerk, "MASK-10")
    clerk.post(TILL, {"action": "member", "member": "13800138000"})
    assert 'data-testid="member-priority"' not in text(clerk.get(TILL))

    members.set_tiers(
        org=merchant, tiers=[{"name": "金卡", "discount_percent": 5, "priority_service": True}]
    )
    page = text(clerk.get(TILL))
    assert 'data-testid="member-priority">优先服务<' in page
