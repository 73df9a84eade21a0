"""Demo data for the producer-to-retailer channel, built through its services: each of the
demo city's three producers uploads two channel goods, the management centre approves them
with a placement (the second of each in 钱塘 only), the regions select what is placed in
them, 湖滨优选 orders 100 of one, receives them in two shipments (60, then 40), a shopper
nearby buys it for delivery and the order is routed to 湖滨优选's store; today's statements
are issued for the four parties."""

from datetime import date
from decimal import Decimal

from omniretail.accounts.models import User
from omniretail.catalog.models import Product
from omniretail.core.events import deliver_pending
from omniretail.ledger.units import fen_to_yuan
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.stores.models import Store
from omniretail.supply import procurement, routing, services, settlement

RETAILER = "hubin"
ADDRESS = {"name": "李先生", "phone": "13800000031", "address": "杭州市上城区延安路 200 号"}
GOODS = {
    "lvyuan": [("本草颜 山茶花精华油 30ml", "168.00"), ("水润坊 补水面膜 5 片", "59.00")],
    "longjing": [("梅家坞 明前龙井 100g", "238.00"), ("狮峰 龙井茶包 20 袋", "68.00")],
    "jiangnan": [("知味观 定胜糕礼盒", "88.00"), ("江南味道 桂花藕粉 400g", "36.00")],
}


def _deliver_events() -> None:
    while deliver_pending(fresh=True):
        pass


def load(city) -> list[str]:
    """Add this programme to the demo city; return lines to print after the credentials."""
    admin = city.admin
    regions = list(city.regions.values())
    east = city.regions["hz-east"]
    region_staff = {
        r.pk: User.objects.get(username=f"{code}-ops") for code, r in city.regions.items()
    }
    offers = []
    for code, producer in city.producers.items():
        maker = User.objects.get(username=f"{code}-staff")
        category = Product.objects.filter(owner=producer).first().category
        for i, (name, retail) in enumerate(GOODS[code]):
            retail = Decimal(retail)
            product = services.upload_goods(
                actor=maker,
                producer=producer,
                category=category,
                name=name,
                subtitle="产地直供 · 区域运营中心配送",
                skus=[
                    {
                        "code": f"P2R-{code}-{i + 1}",
                        "name": "标准装",
                        "retail_price": retail,
                        "wholesale_price": (retail * Decimal("0.55")).quantize(Decimal("0.01")),
                        "wholesale_ceiling": (retail * Decimal("0.7")).quantize(Decimal("0.01")),
                        "min_order_quantity": 10,
                    }
                ],
            )
            services.review_goods(
                actor=admin,
                product=product,
                approve=True,
                featured_zones=["home", "brand"] if i == 0 else ["premium"],
                regions=[] if i == 0 else [east],  # seed 004 b: the second fits the east only
            )
            offers.append(product.skus.get().offer)
    for region in regions:
        for offer in offers:
            if region != east and offer.product.placements.exists():
                continue
            price = (offer.wholesale_price * Decimal("1.1")).quantize(Decimal("0.01"))
            services.select_offer(
                actor=region_staff[region.pk],
                region=region,
                offer=offer,
                wholesale_price=min(price, offer.wholesale_ceiling),
            )

    retailer, owner = city.merchants[RETAILER]
    store = Store.objects.filter(merchant=retailer).order_by("pk").first()
    selection = offers[2].regional.get(region=retailer.region)
    region_ops = region_staff[retailer.region_id]
    po = procurement.place_order(actor=owner, store=store, lines=[(selection, 100)])
    procurement.confirm_order(actor=region_ops, order=po)
    sku_id = offers[2].sku.public_id
    for quantity in (60, 40):
        shipment = procurement.ship(actor=region_ops, order=po, quantities={sku_id: quantity})
        procurement.receive(actor=owner, shipment=shipment)
    po.refresh_from_db()

    shopper = city.shoppers[0]
    payments.top_up_wallet(user=shopper, amount="1000.00", idempotency_key="demo-supply-wallet")
    order = routing.place_routed_order(
        shopper=shopper,
        lines=[(offers[2].sku, 1)],
        lat=store.lat + 0.002,
        lon=store.lon + 0.001,
        delivery_address=ADDRESS,
        payment_provider="balance",
    )
    payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
    _deliver_events()
    settlement.settle_consumer_sale(order_id=order.public_id)  # no-op if the event did it
    today = date.today()
    statements = settlement.issue_statements(period_start=today, period_end=today)
    total = sum(s.total_fen for s in statements)
    return [
        "产销渠道 (supply): /supply/ — producers (lvyuan-staff …) upload goods, admin reviews at "
        "/supply/review/, regions (hz-west-ops, hz-east-ops) select, retailers order at "
        "/supply/retailer/",
        f"  {len(offers)} channel goods approved, half of them placed in {east.name} only "
        "(the others in every region) and selected where placed; "
        f"{retailer.name} received purchase order {po.number} (100 in two shipments)",
        f"  delivery order {order.number} routed to {store.name}; "
        f"{len(statements)} statements issued today, ¥{fen_to_yuan(total)} in all; "
        f"nearby mall: /supply/mall/",
    ]
