"""The kiosk's spec picker (issue 19 item 1): a product stocked in several bays (a helmet in
M and L) was shown as one slide per bay, each looking like a different product. It is now
one slide whose choices carry their own price, stock and QR, a sold-out size disabled and
the first size in stock chosen."""

import re

import pytest

from omniretail.catalog import services as catalog
from omniretail.counters import services
from omniretail.counters.tests.device import InProcessSim
from omniretail.counters.tests.test_kiosk_screen import fragment, screen_for
from omniretail.inventory import services as inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def helmet_sizes(counter_setup, producer_staff, store_location):
    setup = counter_setup
    product = setup.counter.bays.get(number="1").sku.product
    large = catalog.add_sku(
        actor=producer_staff, product=product, code="HELMET-L", name="L 码", price="45.00"
    )
    extra = catalog.add_sku(
        actor=producer_staff, product=product, code="HELMET-XL", name="XL 码", price="49.00"
    )
    inventory.receive_stock(actor=setup.staff, location=store_location, sku=large, quantity=5)
    for number, sku in (("3", large), ("4", extra)):
        services.add_bay(
            actor=setup.staff,
            counter=setup.counter,
            number=number,
            sku=sku,
            par_level=0,
            capacity=3,
        )
    services.restock(actor=setup.staff, counter=setup.counter, lines=[{"bay": "3", "quantity": 2}])
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    return setup


def test_one_slide_per_product_with_a_choice_per_bay_and_the_sold_out_one_disabled(helmet_sizes):
    page = fragment(screen_for(helmet_sizes))

    assert page.count('data-testid="kiosk-product"') == 2  # the helmet and the tea
    picker = re.search(r'data-testid="kiosk-specs".*?</div>', page, re.S).group(0)
    choices = re.findall(r"<button[^>]*data-bay=\"(\d+)\"[^>]*>([^<]+)</button>", picker)
    assert [(bay, label.strip()) for bay, label in choices] == [
        ("1", "单件"),
        ("3", "L 码"),
        ("4", "XL 码"),
    ]
    assert re.search(r'data-bay="4"[^>]*disabled', picker)
    assert 'aria-checked="true" data-bay="1"' in picker
    # each choice has its own price, stock and QR; the sold-out one has no QR to scan
    assert "¥45.00" in page and "3 号格口，剩余 2 件" in page and "4 号格口，剩余 0 件" in page
    panels = re.findall(
        r'<div class="spec-panel"[^>]*data-bay="(\d)"(.*?)</div><!-- /panel -->', page, re.S
    )
    with_qr = {bay for bay, body in panels if 'data-testid="product-qr"' in body}
    assert with_qr == {"1", "2", "3"}  # not the sold-out XL


def test_the_buy_page_behind_a_choices_qr_opens_at_that_bay(helmet_sizes, client):
    page = client.get("/counter/HZ-001/buy?src=qr&bay=3").content.decode()
    assert 'id="bay-3"' in page
