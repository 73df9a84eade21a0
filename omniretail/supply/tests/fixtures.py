"""Supply fixtures: the P2R cast (platform, two regions, a producer, retailers with stores, a
shopper with money) and shortcuts for each step of the channel, through the services."""

from types import SimpleNamespace

import pytest

from omniretail.accounts import services as accounts
from omniretail.catalog import services as catalog
from omniretail.conftest import make_staff, make_store
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.supply import procurement, routing, services

ADDRESS = {"name": "张三", "phone": "13800138000", "address": "延安路1号"}
NEAR_WEST_LAKE = (30.2590, 120.1650)


class Channel(SimpleNamespace):
    """The steps of the channel, each as a real request would call it."""

    def upload(self, name="有机高山茶油", retail="120.00", wholesale="60.00", moq=10, **extra):
        code = f"SUP-{len(self.uploaded) + 1}"
        product = services.upload_goods(
            actor=self.maker,
            producer=self.producer,
            category=self.category,
            name=name,
            skus=[
                {
                    "code": code,
                    "name": "500ml",
                    "retail_price": retail,
                    "wholesale_price": wholesale,
                    "wholesale_ceiling": extra.pop("ceiling", "80.00"),
                    "min_order_quantity": moq,
                }
            ],
            **extra,
        )
        self.uploaded.append(product)
        return product

    def approve(self, product, zones=("home",)):
        return services.review_goods(
            actor=self.ops, product=product, approve=True, featured_zones=list(zones)
        )

    def offer(self, product):
        return product.skus.get().offer

    def select(self, product, price="70.00", region=None, actor=None):
        return services.select_offer(
            actor=actor or self.region_ops,
            region=region or self.region,
            offer=self.offer(product),
            wholesale_price=price,
        )

    def stock_store(self, product, quantity=100, store=None, staff=None):
        """Selected -> ordered -> confirmed -> shipped at once -> received."""
        selection = self.select(product)
        po = procurement.place_order(
            actor=staff or self.clerk, store=store or self.store, lines=[(selection, quantity)]
        )
        procurement.confirm_order(actor=self.region_ops, order=po)
        shipment = procurement.ship(
            actor=self.region_ops, order=po, quantities={product.skus.get().public_id: quantity}
        )
        procurement.receive(actor=staff or self.clerk, shipment=shipment)
        po.refresh_from_db()
        return po

    def buy(self, product, quantity=1, at=NEAR_WEST_LAKE):
        with self.capture(execute=True):  # supply records the routing from OrderRouted
            order = routing.place_routed_order(
                shopper=self.shopper,
                lines=[(product.skus.get(), quantity)],
                lat=at[0],
                lon=at[1],
                delivery_address=ADDRESS,
                payment_provider="balance",
            )
        with self.capture(execute=True):
            payments.start_payment(
                intent=PaymentIntent.objects.get(public_id=order.payment_intent_id)
            )
        order.refresh_from_db()
        return order


@pytest.fixture(name="channel")
def channel_fixture(
    settings,
    platform,
    platform_staff,
    producer,
    producer_staff,
    region,
    merchant,
    merchant_staff,
    store,
    other_merchant,
    other_merchant_staff,
    shopper,
    django_capture_on_commit_callbacks,
):
    settings.OMNI_EVENTS_DELIVERY = "inline"
    east = accounts.create_organization(kind="region", name="钱塘运营中心", code="hz-east")
    far_merchant = accounts.create_organization(
        kind="merchant", name="下沙超市", code="xiasha", region=east
    )
    far_staff = make_staff(far_merchant, "xiasha-clerk")
    payments.top_up_wallet(user=shopper, amount="5000.00", idempotency_key="supply-topup")
    return Channel(
        ops=platform_staff,
        ops_org=platform,
        producer=producer,
        maker=producer_staff,
        region=region,
        region_ops=make_staff(region, "west-ops"),
        east=east,
        east_ops=make_staff(east, "east-ops"),
        retailer=merchant,
        clerk=merchant_staff,
        store=store,
        rival=other_merchant,
        rival_clerk=other_merchant_staff,
        far_merchant=far_merchant,
        far_staff=far_staff,
        far_store=make_store(far_staff, far_merchant, "下沙店", lat=30.3100, lon=120.3800),
        shopper=shopper,
        category=catalog.create_category(actor=platform_staff, name="粮油", slug="grain-oil"),
        capture=django_capture_on_commit_callbacks,
        uploaded=[],
    )
