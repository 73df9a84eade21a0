"""Demo data for the codes programme: a producer's batch of packaging codes for a demo SKU,
generated at once, with three scan URLs printed to try from a phone."""

from omniretail.accounts.models import User
from omniretail.codes import services
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import EarnRule

PRODUCER = "lvyuan"
QUANTITY = 500
POINTS_PER_SCAN = 20
FIRST_SCAN_BONUS = 30


def load(city) -> list[str]:
    producer = city.producers[PRODUCER]
    staff = User.objects.get(username=f"{PRODUCER}-staff")
    product = next(p for p in city.products if p.owner_id == producer.pk)
    sku = product.skus.order_by("code").first()
    loyalty.set_earn_rule(org=producer, kind=EarnRule.Kind.FIRST_SCAN, points=FIRST_SCAN_BONUS)
    batch = services.order_batch(
        actor=staff, producer=producer, sku=sku, quantity=QUANTITY, points_per_scan=POINTS_PER_SCAN
    )
    services.generate_batch(batch_id=batch.pk)  # at once: the notes below need its codes
    tokens = batch.codes.order_by("serial").values_list("token", flat=True)[:3]
    return [
        f"Packaging codes: {PRODUCER}-staff orders batches at /producer/codes/; "
        f"a batch of {QUANTITY} for 「{product.name}」 ({POINTS_PER_SCAN} points a scan, "
        f"+{FIRST_SCAN_BONUS} on a member's first). Scan (open on a phone):",
        *(f"    {services.scan_url(token)}" for token in tokens),
    ]
