"""The whole producer-to-retailer channel, as the seed tells it: a producer uploads, the
platform approves, a region selects, a retailer orders 100 and receives them in two
shipments, the goods appear in the mall near the retailer, a shopper's delivery order is
routed there, and the four parties' statements add up to every fen that was paid."""

import io
from datetime import date

from omniretail.catalog.models import Product
from omniretail.inventory.models import StockLevel
from omniretail.ledger.units import yuan_to_fen
from omniretail.notifications.models import Notification
from omniretail.orders import services as orders
from omniretail.supply import procurement, selectors, settlement
from omniretail.supply.models import PurchaseOrder, RoutingDecision, Statement
from omniretail.supply.tests.fixtures import NEAR_WEST_LAKE


def _rider_takes(channel, order) -> None:
    """A same-city delivery goes out with a rider (the store's clerk here), not by 发货."""
    from omniretail.orders import delivery

    delivery.accept(rider=channel.clerk, delivery=order.delivery)
    delivery.pick_up(rider=channel.clerk, delivery=order.delivery)  # 配送中
    order.refresh_from_db()


def test_full_p2r_scenario_statements_sum_to_what_was_paid(channel):
    # given a producer's goods, approved and selected by the region
    product = channel.upload()
    assert product.status == Product.Status.SUBMITTED
    channel.approve(product)
    selection = channel.select(product, price="70.00")
    sku = product.skus.get()

    # when the retailer orders 100, receives 60 then 40
    po = procurement.place_order(actor=channel.clerk, store=channel.store, lines=[(selection, 100)])
    assert po.total == 7000
    procurement.confirm_order(actor=channel.region_ops, order=po)
    first = procurement.ship(actor=channel.region_ops, order=po, quantities={sku.public_id: 60})
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.PARTIALLY_SHIPPED
    procurement.receive(actor=channel.clerk, shipment=first)
    second = procurement.ship(actor=channel.region_ops, order=po, quantities={sku.public_id: 40})
    procurement.receive(actor=channel.clerk, shipment=second)
    po.refresh_from_db()

    # then the order is received and the store holds 100
    assert po.status == PurchaseOrder.Status.RECEIVED
    level = StockLevel.objects.get(location__store=channel.store, sku=sku)
    assert level.on_hand == 100

    # and the goods show in the mall near that retailer, at the retail price
    near = selectors.mall_near(lat=NEAR_WEST_LAKE[0], lon=NEAR_WEST_LAKE[1])
    item = next(i for i in near if i.product.pk == product.pk)
    assert item.store == channel.store and item.price == 120
    assert [i.product for i in selectors.shop_of(channel.store)] == [product]

    # when a shopper nearby orders for delivery
    order = channel.buy(product, quantity=2)

    # then it is routed to that retailer, who is told at once
    decision = RoutingDecision.objects.get(order_id=order.public_id)
    assert decision.store == channel.store and decision.target == "nearest"
    assert order.merchant == channel.retailer
    assert Notification.objects.filter(
        organization=channel.retailer, title__contains="系统派单"
    ).exists()
    _rider_takes(channel, order)
    orders.confirm_delivery(actor=channel.shopper, order=order)
    order.refresh_from_db()
    assert order.status == "completed"

    # and the statements of all four parties sum exactly to what was paid
    statements = settlement.issue_statements(period_start=date.today(), period_end=date.today())
    parties = {s.organization for s in statements}
    assert parties == {channel.producer, channel.region, channel.retailer, channel.ops_org}
    paid = yuan_to_fen(po.total) + yuan_to_fen(order.total)
    assert sum(s.total_fen for s in statements) == paid
    assert all(s.total_fen > 0 for s in statements)


def test_statements_are_reproducible_and_paid_out_once(channel):
    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    first = settlement.issue_statements(period_start=date.today(), period_end=date.today())
    again = settlement.issue_statements(period_start=date.today(), period_end=date.today())
    assert {s.pk: s.total_fen for s in first} == {s.pk: s.total_fen for s in again}
    producer_statement = Statement.objects.get(organization=channel.producer)
    # 10 × ¥70.00 at the built-in wholesale split: producer 90%
    assert producer_statement.total_fen == 63000
    paid = settlement.pay_out(actor=channel.ops, statement=producer_statement)
    assert paid.status == Statement.Status.PAID
    assert settlement.settlement_account(channel.producer).balance == 0


def test_statements_command_prints_each_party_and_writes_csv(channel, tmp_path):
    from django.core.management import call_command

    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    out = io.StringIO()
    today = date.today().isoformat()
    call_command("supply_statements", start=today, end=today, csv=str(tmp_path), stdout=out)
    assert "total ¥700.00" in out.getvalue()
    statement = Statement.objects.get(organization=channel.producer)
    exported = tmp_path / f"{channel.producer.code}-{statement.public_id}.csv"
    rows = exported.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("source,kind,number,party")
    assert rows[-1].split(",")[6] == "630.00"


def test_after_sales_goes_to_the_routed_retailer_and_the_return_shows_in_feedback(channel):
    from omniretail.orders import aftersales
    from omniretail.supply.models import Allocation

    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    order = channel.buy(product, quantity=2)
    _rider_takes(channel, order)
    orders.confirm_delivery(actor=channel.shopper, order=order)
    line = order.lines.get()
    request = aftersales.request_after_sales(
        shopper=channel.shopper,
        order=order,
        kind="return_refund",
        reason="包装破损",
        lines={line.public_id: 1},
    )
    assert Notification.objects.filter(
        organization=channel.retailer, title__contains="售后申请"
    ).exists()
    aftersales.decide_after_sales(staff=channel.clerk, request=request, approve=True)
    aftersales.send_return(shopper=channel.shopper, request=request, method="drop_off")
    with channel.capture(execute=True):  # the delivered goods are back: restock and refund
        aftersales.confirm_return_received(staff=channel.clerk, request=request, resellable=True)
    shares = Allocation.objects.filter(source_ref=order.public_id)
    assert sum(shares.values_list("amount_fen", flat=True)) == 24000 - 12000
    (row,) = selectors.sell_through(channel.producer)
    assert (row["received"], row["sold"], row["returned"]) == (10, 2, 1)
