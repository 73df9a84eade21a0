"""Where the gateway's 返回商户 link leads: only a path of this site. A script or another
site is refused when the payment starts, and the gateway page never shows one."""

import pytest
from django.test import Client

from omniretail.payments.models import PaymentIntent
from omniretail.payments.sandbox_gateway.models import SandboxCharge
from omniretail.payments.tests.helpers import make_intent

pytestmark = pytest.mark.django_db

UNSAFE = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "https://evil.example/",
    "//evil.example/me/orders/",
    "/\\evil.example",
    "me/orders/",
]


@pytest.mark.parametrize("return_url", UNSAFE)
def test_an_unsafe_return_url_is_refused_and_the_payment_not_started(
    api_client, shopper, return_url
):
    intent = make_intent(shopper)
    resp = api_client(shopper).post(
        f"/api/payments/intents/{intent.public_id}/start", {"return_url": return_url}
    )
    assert resp.status_code == 422, resp.content
    assert "return_url" in resp.json()["error"]["fields"]
    assert PaymentIntent.objects.get().status == "requires_payment"
    assert not SandboxCharge.objects.exists()


def test_a_path_of_this_site_is_the_gateway_pages_way_back(api_client, shopper):
    intent = make_intent(shopper)
    resp = api_client(shopper).post(
        f"/api/payments/intents/{intent.public_id}/start", {"return_url": "/me/orders/"}
    )
    assert resp.status_code == 200, resp.content
    charge = SandboxCharge.objects.get()
    page = Client().post(f"/sandbox-gateway/checkout/{charge.public_id}/pay/")
    assert 'href="/me/orders/" data-testid="return"' in page.content.decode()


@pytest.mark.parametrize("return_url", UNSAFE)
def test_the_gateway_page_never_shows_an_unsafe_way_back(return_url):
    charge = SandboxCharge.objects.create(
        merchant_reference="01J00000000000000000000000",
        amount="39.90",
        notify_url="http://127.0.0.1:9/",
        return_url=return_url,
        status=SandboxCharge.Status.PAID,
    )
    page = Client().get(f"/sandbox-gateway/checkout/{charge.public_id}/").content.decode()
    assert "支付成功" in page
    assert 'data-testid="return"' not in page and "evil.example" not in page
    assert "javascript:" not in page.lower()
