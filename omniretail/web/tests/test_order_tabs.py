"""The shopper's orders under the tabs every Chinese shop has, each card with the actions its
order allows; a partial refund summarised by what it asks back; one line per discount; and
refusals written for shoppers (no SKU codes, nothing said twice)."""

import re
from decimal import Decimal

import pytest

from omniretail.loyalty import coupons
from omniretail.notifications.models import Notification
from omniretail.orders import aftersales, delivery, services
from omniretail.orders.models import Order
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.reviews.services import write_review
from omniretail.web.tests.factories import next_slot, pay_from_wallet, place_order
from omniretail.web.tests.test_shop import add, checkout_form, text

pytestmark = pytest.mark.django_db


def numbers(body: str) -> set[str]:
    return set(re.findall(r"订单号 (\d+)", body))


def tab(client, name: str) -> str:
    response = client.get("/orders/", {"tab": name} if name else {})
    assert response.status_code == 200
    return text(response)


@pytest.fixture
def orders(commerce, django_capture_on_commit_callbacks):
    """One order of the member in each state a tab is about."""
    member, store, staff = commerce.member, commerce.near_store, commerce.staff

    def paid(kind="pickup", lines=None):
        order = place_order(member, store, lines or [(commerce.tea_sku, 1)], kind=kind)
        return pay_from_wallet(order, django_capture_on_commit_callbacks)

    def picked_up():
        order = paid()
        return redeem_pickup_code(staff=staff, store=store, code=order.pickup_code.code)

    unpaid = place_order(member, store, [(commerce.tea_sku, 1)])
    waiting = paid()
    shipped = paid(kind="delivery")
    delivery.accept(rider=staff, delivery=shipped.delivery)
    delivery.pick_up(rider=staff, delivery=shipped.delivery)  # the rider's pick-up ships it
    to_review = picked_up()
    reviewed = picked_up()
    write_review(
        shopper=member,
        order_id=reviewed.public_id,
        sku_id=commerce.tea_sku.public_id,
        rating=5,
        text="好喝",
    )
    refunding = paid()
    aftersales.request_after_sales(
        shopper=member, order=refunding, kind="refund_only", reason="不想要了"
    )
    return {
        "unpaid": unpaid,
        "to_fulfil": waiting,
        "to_receive": shipped,
        "to_review": to_review,
        "reviewed": reviewed,
        "after_sales": refunding,
    }


def test_each_tab_lists_the_orders_it_is_about(client, commerce, orders):
    client.force_login(commerce.member)
    every = {order.number for order in orders.values()}
    assert numbers(tab(client, "")) == every
    for name in ("unpaid", "to_fulfil", "to_receive", "to_review", "after_sales"):
        assert numbers(tab(client, name)) == {orders[name].number}, name
    labels = re.findall(r'data-testid="order-tab-\w+">([^<]+)<', tab(client, ""))
    assert labels == ["全部", "待付款", "待发货·待自提", "待收货", "待评价", "退款·售后"]


def test_each_tab_offers_its_actions(client, commerce, orders):
    client.force_login(commerce.member)
    unpaid = tab(client, "unpaid")
    assert 'data-testid="pay"' in unpaid and 'data-testid="cancel"' in unpaid
    assert 'data-testid="remind"' in tab(client, "to_fulfil")
    assert 'data-testid="confirm"' in tab(client, "to_receive")
    assert 'data-testid="review"' in tab(client, "to_review")
    assert 'data-testid="view-after-sales"' in tab(client, "after_sales")


def test_confirming_receipt_from_the_tab_moves_the_order_to_be_reviewed(client, commerce, orders):
    client.force_login(commerce.member)
    shipped = orders["to_receive"]
    response = client.post(f"/orders/{shipped.public_id}/confirm/", {"from_tab": "to_receive"})
    assert (response.status_code, response.url) == (302, "/orders/?tab=to_receive")
    assert shipped.number not in tab(client, "to_receive")
    assert shipped.number in tab(client, "to_review")


def test_reminding_the_store_tells_it_once_per_half_hour(client, commerce, orders):
    client.force_login(commerce.member)
    waiting = orders["to_fulfil"]
    reminded = client.post(f"/orders/{waiting.public_id}/remind/", {"from_tab": "to_fulfil"})
    assert reminded.status_code == 302
    told = Notification.objects.filter(
        organization=waiting.merchant, title__contains=f"买家提醒备货 {waiting.number}"
    )
    assert told.count() == 1
    again = client.post(f"/orders/{waiting.public_id}/remind/")
    assert again.status_code == 429
    assert "已提醒过商家" in text(again)
    assert told.count() == 1
    detail = text(client.get(f"/orders/{waiting.public_id}/"))
    assert 'data-testid="remind"' in detail and "提醒备货" in detail
    shipped = client.post(f"/orders/{orders['to_receive'].public_id}/remind/")
    assert shipped.status_code == 409  # on its way already: nothing to remind


def test_a_partial_refund_is_summarised_by_what_it_asks_back(
    client, commerce, django_capture_on_commit_callbacks
):
    order = place_order(
        commerce.member, commerce.near_store, [(commerce.mask_10, 2), (commerce.tea_sku, 1)]
    )
    order = pay_from_wallet(order, django_capture_on_commit_callbacks)
    assert order.total == Decimal("138.80")
    line = order.lines.get(sku=commerce.mask_10)
    request = aftersales.request_after_sales(
        shopper=commerce.member,
        order=order,
        kind="refund_only",
        reason="少发一盒",
        lines={line.public_id: 1},
    )
    client.force_login(commerce.member)
    page = text(client.get(f"/orders/{order.public_id}/"))
    head = re.search(r'data-testid="status-head">(.*?)</div>', page, re.S).group(1)
    assert "退款中" in head and "退款 ¥39.90" in head and "¥138.80" not in head
    assert "仅退款 · 待处理，订单金额 ¥138.80" in page
    card = tab(client, "after_sales")
    assert 'data-testid="refund-amount">退款 ¥39.90<' in card
    assert 'data-testid="order-amount">' not in card  # the total is only named as such

    with django_capture_on_commit_callbacks(execute=True):
        aftersales.decide_after_sales(staff=commerce.staff, request=request, approve=True)
    page = text(client.get(f"/orders/{order.public_id}/"))
    head = re.search(r'data-testid="status-head">(.*?)</div>', page, re.S).group(1)
    assert "已付款" in head and "¥138.80" in head
    assert "已退款 ¥39.90" in page


def test_a_coupon_discount_is_shown_once(client, commerce):
    template = coupons.define_template(
        org=commerce.near_store.merchant,
        name="满50减8",
        kind="amount",
        amount_off="8",
        min_spend="50",
    )
    coupon = coupons.issue_coupon(
        template=template, user=commerce.member, source="staff", idempotency_key="once"
    )
    order = services.checkout(
        shopper=commerce.member,
        lines=[(commerce.mask_10, 2)],
        fulfilment=services.resolve_fulfilment(
            kind="pickup", store=commerce.near_store, pickup_slot_start=next_slot()
        ),
        payment_provider="balance",
        coupon=coupon.public_id,
    )
    assert order.discount_total == Decimal("8.00")
    client.force_login(commerce.member)
    page = text(client.get(f"/orders/{order.public_id}/"))
    assert page.count("-¥8.00") == 1
    assert re.search(r'data-testid="order-discount-coupon">.*满50减8.*-¥8\.00', page)


def test_out_of_stock_at_checkout_names_the_goods_once_and_no_sku_code(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.mask_20, 5)  # only 3 on the shelf
    form = checkout_form(
        client, store=commerce.near_store.public_id, pickup_slot=next_slot().isoformat()
    )
    response = client.post("/checkout/", form)
    assert response.status_code == 409
    alert = re.search(r'data-testid="error">(.*?)</div>', text(response), re.S).group(1)
    assert "玻尿酸补水面膜 20 片装" in alert
    assert "MASK-20" not in alert
    assert alert.count("库存不足") == 1
    assert not Order.objects.exists()


def test_me_counts_the_orders_of_each_tab_and_links_to_it(client, commerce, orders):
    client.force_login(commerce.member)
    page = text(client.get("/me/"))
    row = re.findall(
        r'<a href="/orders/\?tab=(\w+)" data-testid="order-row-\w+">.*?'
        r'(?:data-testid="order-row-count">(\d+)<.*?)?<span>([^<]+)</span></a>',
        page,
        re.S,
    )
    assert row == [
        ("unpaid", "1", "待付款"),
        ("to_fulfil", "1", "待发货·待自提"),
        ("to_receive", "1", "待收货"),
        ("to_review", "1", "待评价"),
        ("after_sales", "1", "退款·售后"),
    ]


def test_me_shows_the_members_real_tier(client, commerce, django_assert_max_num_queries):
    from omniretail.earning import tiers
    from omniretail.loyalty import members

    merchant = commerce.near_store.merchant
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 5}])
    members.activate(user=commerce.member, org=merchant)
    tiers.recompute_tiers()
    client.force_login(commerce.member)
    with django_assert_max_num_queries(15):
        page = text(client.get("/me/"))
    badges = re.findall(r'data-testid="tier">([^<]+)<', page)
    assert badges == [f"{merchant.name} · 金卡"]
    assert "普通会员" not in page
