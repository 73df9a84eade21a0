"""The checkout page's refusals that are not a field of the form: a member holding too many
unpaid orders is told to pay or cancel one, and finds the form as they filled it."""

import pytest

from omniretail.orders.models import Order
from omniretail.web.tests.factories import place_order
from omniretail.web.tests.test_delivery_pages import address_for
from omniretail.web.tests.test_shop import add, checkout_form, text

pytestmark = pytest.mark.django_db


def test_checkout_past_the_unpaid_limit_says_pay_or_cancel_and_keeps_the_form(
    client, commerce, settings
):
    settings.OMNI_ORDER_UNPAID_LIMIT = 1
    place_order(
        commerce.member, commerce.near_store, [(commerce.tea_sku, 1)], provider="sandbox_gateway"
    )
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    address_for(commerce.member)
    work = address_for(commerce.member, name="李四", phone="13900139000", detail="延安路 90 号")
    form = checkout_form(
        client,
        kind="delivery",
        store=commerce.near_store.public_id,
        address_id=work.public_id,
        note="请放门卫",
    )

    response = client.post("/checkout/", form)

    assert response.status_code == 409
    body = text(response)
    assert "1 笔待支付订单" in body and "请先支付或取消" in body
    assert f'value="{work.public_id}" checked' in body  # the address chosen, not the default
    assert 'value="请放门卫"' in body
    assert Order.objects.filter(shopper=commerce.member).count() == 1
    assert commerce.member.cart.lines.exists()
