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
