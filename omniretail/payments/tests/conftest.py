import pytest

from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.tests.helpers import SECRET


@pytest.fixture(autouse=True)
def _gateway_settings(settings):
    settings.OMNI_SANDBOX_GATEWAY_SECRET = SECRET
    settings.OMNI_SANDBOX_CHAOS = {"duplicate": 0.0, "delay_s": 0.0, "out_of_order": 0.0}
    settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS = 3
    settings.OMNI_SANDBOX_RETRY_BASE_S = 0.05
    yield
    gateway.wait_for_deliveries(timeout=15)


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create(username="shopper", phone="13800138000")


@pytest.fixture
def other_shopper(django_user_model):
    return django_user_model.objects.create(username="other", phone="13900139000")
