"""Demo data for the points mall: a few goods at 湖滨优选's stores (one for points plus
cash), with stock, and platform points for the first demo shopper to redeem them with."""

from omniretail.inventory import services as inventory
from omniretail.loyalty import services as loyalty
from omniretail.pointsmall import services

MERCHANT = "hubin"
GOODS = [  # (product index in the demo catalogue, title, points, cash, units per store)
    (0, "补水面膜 积分兑换装", 300, "0", 20),
    (12, "龙井茶包 积分专享", 500, "0", 10),
    (24, "定胜糕 积分换购", 200, "0", 30),
    (60, "洗手液 积分好礼", 150, "0", 1),
    (190, "电动车头盔 积分+现金", 600, "29.00", 5),
]
WELCOME_POINTS = 800


def load(city) -> list[str]:
    merchant, owner = city.merchants[MERCHANT]
    stores = list(merchant.stores.order_by("id"))
    titles = []
    for index, title, points, cash, units in GOODS:
        sku = city.products[index % len(city.products)].skus.order_by("code").first()
        for store in stores:
            location = inventory.location_for_store(store)
            inventory.receive_stock(
                actor=owner, location=location, sku=sku, quantity=units, reason="积分商城备货"
            )
        services.create_good(
            actor=owner,
            merchant=merchant,
            sku=sku,
            title=title,
            points_price=points,
            cash_price=cash,
            stores=stores,
            description=f"{merchant.name}门店自提，兑换后 7 天内有效。",
        )
        titles.append(title)
    shopper = city.shoppers[0]
    loyalty.award_points(
        user=shopper,
        asset_code=loyalty.PLATFORM_POINTS,
        points=WELCOME_POINTS,
        reason="积分商城体验积分",
        idempotency_key=f"demo:pointsmall:{shopper.pk}",
    )
    return [
        f"Points mall: /points-mall/ ({len(titles)} goods at {merchant.name}'s stores); "
        f"shopper {shopper.phone} has {WELCOME_POINTS} platform points to redeem; "
        f"{MERCHANT}-owner hands vouchers over at /merchant/redeem/.",
    ]
