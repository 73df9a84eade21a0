"""The sandbox gateway pays anything, so it runs only where it is wanted: on in the demo
and tests, off by default once the shop is served over https, and when off its pages and
callback are not found and nobody can choose it to pay."""

import os
import subprocess
import sys

import pytest
from django.test import Client

from omniretail.core.errors import ValidationFailed
from omniretail.payments import services
from omniretail.payments.models import PaymentIntent
from omniretail.payments.sandbox_gateway.models import SandboxCharge
from omniretail.payments.tests.helpers import charge_event, make_intent, signed_callback

pytestmark = pytest.mark.django_db


def flag_for(base_url: str, **env) -> str:
    """OMNI_SANDBOX_GATEWAY as a fresh process reads it from the environment."""
    environment = {k: v for k, v in os.environ.items() if k != "OMNI_SANDBOX_GATEWAY"}
    environment.update(OMNI_PUBLIC_BASE_URL=base_url, **env)
    code = "from django.conf import settings; print(settings.OMNI_SANDBOX_GATEWAY)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**environment, "DJANGO_SETTINGS_MODULE": "omniretail.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_sandbox_is_on_for_a_trial_and_off_by_default_in_production():
    assert flag_for("http://127.0.0.1:8000") == "True"
    assert flag_for("https://shop.example.cn") == "False"
    assert flag_for("https://shop.example.cn", OMNI_SANDBOX_GATEWAY="1") == "True"


def test_when_off_nobody_can_choose_the_sandbox_to_pay(settings, shopper):
    settings.OMNI_SANDBOX_GATEWAY = False
    with pytest.raises(ValidationFailed) as refused:
        make_intent(shopper, provider="sandbox_gateway")
    assert "provider" in refused.value.fields
    assert not PaymentIntent.objects.exists()


def test_when_off_its_pages_and_callback_are_not_found(settings, shopper, api_client):
    intent = make_intent(shopper, provider="sandbox_gateway")
    services.start_payment(intent=intent)
    intent.refresh_from_db()
    charge = SandboxCharge.objects.get()
    settings.OMNI_SANDBOX_GATEWAY = False

    page = Client().get(f"/sandbox-gateway/checkout/{charge.public_id}/")
    paid = Client().post(f"/sandbox-gateway/checkout/{charge.public_id}/pay/")
    body, headers = signed_callback(charge_event(intent))
    callback = api_client().post("/api/payments/callbacks/sandbox", body, headers=headers)

    assert (page.status_code, paid.status_code, callback.status_code) == (404, 404, 404)
    charge.refresh_from_db()
    intent.refresh_from_db()
    assert charge.status == "pending" and intent.status == "processing"
