"""Money has one written form: ASCII digits, an optional minus, at most two decimals. Whatever
else looks like a number to Python (underscores, full-width digits, spaces, exponents, NaN)
is refused where it enters, naming the field; -0 is 0, never -0.00."""

from decimal import Decimal

import pytest

from omniretail.core.errors import ValidationFailed
from omniretail.core.money import money, parse_money
from omniretail.payments import services as payments
from omniretail.payments.models import Refund
from omniretail.payments.tests.helpers import make_intent

LOOSE = [
    "1_000",
    "１.００",
    "１",
    " 1.00",
    "1.00 ",
    "1.00\n",
    "1e3",
    "1E2",
    "+1.00",
    "1.",
    ".5",
    "1.005",
    "NaN",
    "-Infinity",
    "١٢",  # Arabic-Indic digits
    "1,000.00",
    "1234567890123.00",  # more digits than a money column holds
    "",
]


@pytest.mark.parametrize("text", LOOSE)
def test_loose_text_is_not_money(text):
    with pytest.raises(ValueError):
        money(text)
    with pytest.raises(ValidationFailed) as refused:
        parse_money(text, field="amount")
    assert list(refused.value.fields) == ["amount"]


def test_plain_amounts_read_and_code_values_round_to_the_cent():
    assert [money(t) for t in ("0", "19.9", "-3.50", "999999999999.99")] == [
        Decimal("0.00"),
        Decimal("19.90"),
        Decimal("-3.50"),
        Decimal("999999999999.99"),
    ]
    assert money(Decimal("12.345")) == Decimal("12.35")
    assert money(7) == Decimal("7.00")
    with pytest.raises(ValidationFailed):
        parse_money(Decimal("12.345"), field="price")  # typed input is never rounded
    for value in (0.1, True, None, [1]):
        with pytest.raises(TypeError):
            money(value)


@pytest.mark.parametrize("zero", ["-0", "-0.00", Decimal("-0"), Decimal("-0.001")])
def test_minus_zero_is_zero(zero):
    assert str(money(zero)) == "0.00"


# ---------------------------------------------------------------- through the API


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["1_000", "１.００", " 1.00", "1e3", "NaN", "1.005"])
def test_the_sku_price_api_refuses_loose_amounts(api_client, producer_staff, sku, text):
    resp = api_client(producer_staff).patch(
        f"/api/catalog/manage/skus/{sku.public_id}", {"price": text}
    )
    assert resp.status_code == 422, resp.content
    assert list(resp.json()["error"]["fields"]) == ["price"]
    sku.refresh_from_db()
    assert sku.price == Decimal("39.90")


@pytest.mark.django_db
def test_a_price_of_minus_zero_is_stored_and_shown_as_zero(api_client, producer_staff, sku):
    resp = api_client(producer_staff).patch(
        f"/api/catalog/manage/skus/{sku.public_id}", {"price": "-0"}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["price"] == "0.00"
    sku.refresh_from_db()
    assert str(sku.price) == "0.00"


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["1_000", "１.００", " 1.00", "1e1", "Infinity", "-0"])
def test_a_refund_amount_must_be_plain_money(api_client, shopper, merchant, merchant_staff, text):
    payments.top_up_wallet(user=shopper, amount="100.00", idempotency_key="t")
    intent = make_intent(shopper, provider="balance", payee=merchant)
    payments.start_payment(intent=intent)
    resp = api_client(merchant_staff).post(
        f"/api/payments/intents/{intent.public_id}/refunds",
        {"amount": text},
        headers={"Idempotency-Key": f"r-{text}"},
    )
    assert resp.status_code == 422, resp.content
    assert list(resp.json()["error"]["fields"]) == ["amount"]
    assert not Refund.objects.exists()
