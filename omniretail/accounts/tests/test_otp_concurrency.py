"""Limits hold under a burst: ten simultaneous sends for one phone send one SMS (it was a
check-then-insert, and three to six got through); ten simultaneous password guesses check
only as many passwords as the lockout allows."""

import pytest

from omniretail.accounts import services
from omniretail.accounts.models import OneTimeCode
from omniretail.core.errors import NotAuthenticated, RateLimited
from omniretail.core.sms import read_sms_file

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = "13800138000"


def test_ten_simultaneous_sends_for_one_phone_send_exactly_one_sms(race):
    outcomes = race(10, lambda i: services.request_login_code(phone=PHONE))

    sent = [o for o in outcomes if isinstance(o, OneTimeCode)]
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert len(sent) == 1 and len(refused) == 9, outcomes
    assert len(read_sms_file(PHONE)) == 1
    assert OneTimeCode.objects.filter(phone=PHONE).count() == 1


def test_simultaneous_sends_from_one_client_stop_at_the_per_ip_limit(race, settings):
    settings.OMNI_OTP_RATE_PER_IP = "4/3600"
    outcomes = race(
        12, lambda i: services.request_login_code(phone=f"1390000{i:04d}", client_ip="10.9.9.9")
    )
    assert sum(isinstance(o, OneTimeCode) for o in outcomes) == 4, outcomes
    assert sum(isinstance(o, RateLimited) for o in outcomes) == 8


def test_simultaneous_password_guesses_check_no_more_than_the_lockout_allows(race, merchant_staff):
    outcomes = race(
        10,
        lambda i: services.password_login(username="clerk", password=f"guess-{i}"),
    )
    assert sum(isinstance(o, NotAuthenticated) for o in outcomes) == 5, outcomes
    assert sum(isinstance(o, RateLimited) for o in outcomes) == 5
