import pytest

from omniretail.codes import services


@pytest.fixture
def make_batch(producer, producer_staff, sku):
    """make_batch(quantity, points_per_scan) -> a generated batch for the fixture SKU."""

    def make(quantity=20, points_per_scan=10):
        batch = services.order_batch(
            actor=producer_staff,
            producer=producer,
            sku=sku,
            quantity=quantity,
            points_per_scan=points_per_scan,
        )
        batch.refresh_from_db()
        return batch

    return make


@pytest.fixture
def token(make_batch):
    return make_batch(quantity=3).codes.get(serial=1).token
