"""Helpers that build shop data through the domain services, as the real actors would."""

from omniretail.catalog import services as catalog


def publish(ops, maker, producer, *, flags=None, **fields):
    """Create, submit and approve a product: the only way a product reaches the shop."""
    product = catalog.create_product(actor=maker, owner=producer, **fields)
    catalog.submit_product(actor=maker, product=product)
    catalog.review_product(actor=ops, product=product, approve=True)
    if flags:
        catalog.set_product_flags(actor=ops, product=product, **flags)
    product.refresh_from_db()
    return product


def next_slot(hours: int = 2):
    """A bookable pickup slot start a little ahead (the test stores are open all day)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


def place_order(shopper, store, lines, *, provider="balance", kind="pickup"):
    """An order as checkout makes it, through the order services."""
    from omniretail.orders import services

    fulfilment = services.resolve_fulfilment(
        kind=kind,
        store=store,
        pickup_slot_start=next_slot() if kind == "pickup" else None,
        delivery_address={"name": "张三", "phone": "13800138000", "address": "延安路1号"}
        if kind == "delivery"
        else None,
    )
    return services.checkout(
        shopper=shopper, lines=lines, fulfilment=fulfilment, payment_provider=provider
    )


def pay_from_wallet(order, capture):
    """Pay a balance order and deliver the events as after a commit."""
    from omniretail.payments import services as payments
    from omniretail.payments.models import PaymentIntent

    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    with capture(execute=True):
        payments.start_payment(intent=intent)
    order.refresh_from_db()
    return order
