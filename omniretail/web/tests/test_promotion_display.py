"""门店促销 where the shopper and the clerk look at prices: the till's lines and the receipt
(page and PDF) add up line by line under a promotion, naming it; the cart prices its
lines for the store checkout would quote; product cards and the product page carry a
促销 badge while a promotion runs, within their query budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from omniretail.merchandising import promotions
from omniretail.merchandising import services as merchandising
from omniretail.merchandising.models import Promotion
from omniretail.till import receipt_pdf
from omniretail.till.models import TillSale

pytestmark = pytest.mark.django_db
TILL = "/merchant/till/"


def text(response) -> str:
    return response.content.decode()


def promote(commerce, **kw):
    now = timezone.now()
    fields = {
        "title": "湖滨店庆",
        "kind": Promotion.Kind.PERCENT_OFF,
        "percent": 20,
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=1),
        "products": [commerce.mask],
    } | kw
    return promotions.create_promotion(actor=commerce.staff, store=commerce.near_store, **fields)


def buy_3_get_1(commerce):
    return promote(commerce, title="面膜买三送一", kind=Promotion.Kind.BUY_GET, buy_n=3, get_m=1)


@pytest.fixture
def clerk(client, commerce):
    client.force_login(commerce.staff)
    client.get(TILL, {"store": commerce.near_store.public_id})
    return client


def ring_up(clerk, barcode, times):
    for _ in range(times):
        assert clerk.post(TILL, {"action": "scan", "barcode": barcode}).status_code == 302


def test_a_buy_3_get_1_line_adds_up_on_the_till_and_the_receipt(
    clerk, commerce, django_capture_on_commit_callbacks
):
    buy_3_get_1(commerce)
    ring_up(clerk, "MASK-10", 4)  # 4 x 39.90 = 159.60, one free: 119.70
    page = text(clerk.get(TILL))
    assert "促销 · 面膜买三送一" in page
    assert 'data-testid="line-total">¥119.70' in page and "-¥39.90" in page
    assert "¥159.60" not in page.split('data-testid="line-total">')[1].split("</td>")[0]

    with django_capture_on_commit_callbacks(execute=True):
        paid = clerk.post(TILL, {"action": "cash", "cash_tendered": "120"})
    receipt = text(clerk.get(paid["Location"]))
    # 4 x 39.90 = 159.60, less the promotion's 39.90, is the line's 119.70: no 4 x 29.92
    assert "4 × ¥39.90" in receipt and "¥159.60" in receipt
    assert "促销 面膜买三送一" in receipt and "-¥39.90" in receipt
    assert "¥29.92" not in receipt
    rows = receipt_pdf.rows(TillSale.objects.get())
    assert ("  4 × ¥39.90", "¥159.60") in rows
    assert ("  促销 面膜买三送一", "-¥39.90") in rows
    assert ("商品金额", "¥119.70") in rows


def test_a_percent_off_line_shows_the_promoted_unit_price_and_the_original(
    clerk, commerce, django_capture_on_commit_callbacks
):
    promote(commerce)  # 20 % off 39.90: 31.92 a piece
    ring_up(clerk, "MASK-10", 2)
    page = text(clerk.get(TILL))
    unit = page.split('data-testid="line-unit">')[1].split("</td>")[0]
    assert "¥39.90</s>" in unit and "¥31.92" in unit and "湖滨店庆" in unit
    assert 'data-testid="line-total">¥63.84' in page

    with django_capture_on_commit_callbacks(execute=True):
        paid = clerk.post(TILL, {"action": "cash", "cash_tendered": "100"})
    receipt = text(clerk.get(paid["Location"]))
    assert "¥31.92" in receipt and "¥63.84" in receipt and "促销 湖滨店庆" in receipt
    rows = receipt_pdf.rows(TillSale.objects.get())
    assert ("  2 × ¥31.92（原价 ¥39.90）", "¥63.84") in rows
    assert ("  促销 湖滨店庆", "") in rows


def test_a_line_without_a_promotion_shows_as_before(
    clerk, commerce, django_capture_on_commit_callbacks
):
    promote(commerce, products=[commerce.offer])  # the tea's, not the mask's
    ring_up(clerk, "MASK-10", 2)
    page = text(clerk.get(TILL))
    assert "促销" not in page.split('data-testid="till-lines"')[1].split("</table>")[0]
    with django_capture_on_commit_callbacks(execute=True):
        paid = clerk.post(TILL, {"action": "cash", "cash_tendered": "100"})
    receipt = text(clerk.get(paid["Location"]))
    assert "2 × ¥39.90" in receipt and "促销" not in receipt
    assert ("  2 × ¥39.90", "¥79.80") in receipt_pdf.rows(TillSale.objects.get())


def test_the_cart_prices_a_promotion_as_the_checkout_quote_does(client, commerce):
    buy_3_get_1(commerce)
    client.force_login(commerce.member)
    client.post("/cart/add/", {"sku": commerce.mask_10.public_id, "quantity": "4"})
    client.post("/cart/add/", {"sku": commerce.tea_sku.public_id, "quantity": "1"})
    cart = client.get("/cart/")
    body = text(cart)
    assert "促销 · 面膜买三送一 · 小计 ¥119.70" in body
    assert "按湖滨便利 · 湖滨店的价格计算" in body
    checkout = client.get("/checkout/")
    assert checkout.context["store"] == cart.context["store"] == commerce.near_store
    # 119.70 for the masks (one of four free) and 59.00 for the tea, on both pages
    assert cart.context["subtotal"] == checkout.context["subtotal"] == Decimal("178.70")
    assert 'data-testid="subtotal">¥178.70<' in body


def test_without_a_running_promotion_the_cart_shows_list_prices(client, commerce):
    promote(
        commerce,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
    )
    client.post("/cart/add/", {"sku": commerce.mask_10.public_id, "quantity": "4"})
    body = text(client.get("/cart/"))
    assert "促销" not in body and 'data-testid="subtotal">¥159.60<' in body


def promotion_queries(client, url) -> tuple[int, int, str]:
    """All the page's queries, those reading promotions, and the page."""
    client.get(url)  # warm, as the page budget tests do
    with CaptureQueriesContext(connection) as ran:
        response = client.get(url)
    assert response.status_code == 200
    sql = [q["sql"] for q in ran.captured_queries]
    return len(sql), sum("merchandising_promotion" in s for s in sql), text(response)


def badges(body: str) -> list[str]:
    return [part.split("</span>")[0] for part in body.split('data-testid="promotion-badge">')[1:]]


def test_product_cards_show_a_promotion_badge_in_one_query_per_page(client, commerce):
    url = f"/c/{commerce.skincare.slug}/"
    before, read, body = promotion_queries(client, url)
    assert read == 1 and badges(body) == []  # nothing running: no badge
    promote(commerce)  # 20 % off the mask
    promote(
        commerce,
        title="护肤立减",
        kind=Promotion.Kind.AMOUNT_OFF,
        amount="5",
        products=[],
        category=commerce.skincare,
        ends_at=timezone.now() + timedelta(hours=2),
    )
    promote(
        commerce,
        title="明天开始",
        percent=50,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
    )
    after, read, body = promotion_queries(client, url)
    assert (after, read) == (before, 1)  # however many promotions and cards: one read
    assert badges(body) == ["促销 · 立减¥5"]  # the soonest to end of the mask's two running

    tea = f"/c/{commerce.tea.slug}/"
    assert badges(promotion_queries(client, tea)[2]) == []  # none covers the tea
    promote(
        commerce,
        title="龙井买二送一",
        kind=Promotion.Kind.BUY_GET,
        buy_n=2,
        get_m=1,
        products=[commerce.offer],
        ends_at=timezone.now() + timedelta(hours=2),
    )
    assert badges(promotion_queries(client, tea)[2]) == ["促销 · 买2送1"]


def test_the_product_page_names_the_store_and_its_promoted_price(client, commerce, platform_staff):
    url = f"/p/{commerce.mask.public_id}/"
    before, read, body = promotion_queries(client, url)
    assert read == 1 and 'data-testid="promotion-offer"' not in body
    promote(commerce)
    after, read, body = promotion_queries(client, url)
    assert (after, read) == (before, 1)
    offer = body.split('data-testid="promotion-offer">')[1].split("</p>")[0]
    assert offer == "湖滨便利 · 湖滨店促销（8折）：到店价 ¥31.92"  # 39.90 less 20 %
    assert badges(body) == ["促销 · 8折"]

    merchandising.create_special(
        actor=platform_staff,
        sku=commerce.mask_10,
        price="30.00",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
    )
    body = text(client.get(url))  # the 特价 is lower: no promoted price, the promotion named
    offer = body.split('data-testid="promotion-offer">')[1].split("</p>")[0]
    assert offer == "湖滨便利 · 湖滨店促销：8折" and "¥30.00" in body
