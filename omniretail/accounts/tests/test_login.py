from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts import services
from omniretail.accounts.models import OneTimeCode, User
from omniretail.core.errors import RateLimited, ValidationFailed
from omniretail.core.sms import read_sms_file

PHONE = "13800138000"


def last_code(phone=PHONE) -> str:
    return read_sms_file(phone)[-1]["text"].split("验证码是 ")[1][:6]


@pytest.mark.django_db
def test_shopper_logs_in_with_the_code_from_the_sms_and_becomes_a_member():
    services.request_login_code(phone="+86 138-0013-8000")
    user = services.verify_login_code(phone=PHONE, code=last_code())
    assert user.phone == PHONE
    assert User.objects.filter(phone=PHONE).count() == 1


@pytest.mark.django_db
def test_code_works_only_once():
    services.request_login_code(phone=PHONE)
    code = last_code()
    services.verify_login_code(phone=PHONE, code=code)
    with pytest.raises(ValidationFailed):
        services.verify_login_code(phone=PHONE, code=code)


@pytest.mark.django_db
def test_expired_code_is_refused():
    services.request_login_code(phone=PHONE)
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationFailed) as err:
        services.verify_login_code(phone=PHONE, code=last_code())
    assert "code" in err.value.fields


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_code_even_against_the_right_one():
    services.request_login_code(phone=PHONE)
    right = last_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            services.verify_login_code(phone=PHONE, code=wrong)
    with pytest.raises(RateLimited):
        services.verify_login_code(phone=PHONE, code=right)
    assert not User.objects.filter(phone=PHONE).exists()


@pytest.mark.django_db
def test_resending_too_soon_and_too_often_is_rate_limited():
    start = timezone.now()
    services.request_login_code(phone=PHONE, now=start)
    with pytest.raises(RateLimited) as too_soon:
        services.request_login_code(phone=PHONE, now=start + timedelta(seconds=30))
    assert too_soon.value.retry_after == 30
    for minute in range(2, 10, 2):
        services.request_login_code(phone=PHONE, now=start + timedelta(minutes=minute))
    with pytest.raises(RateLimited):
        services.request_login_code(phone=PHONE, now=start + timedelta(minutes=12))
    assert len(read_sms_file(PHONE)) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["12345", "23800138000", "1380013800a", "", "138001380001"])
def test_malformed_phone_is_refused_with_a_field_message(phone):
    with pytest.raises(ValidationFailed) as err:
        services.request_login_code(phone=phone)
    assert "phone" in err.value.fields
    assert not OneTimeCode.objects.exists()
