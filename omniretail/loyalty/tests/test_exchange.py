"""Offline -> platform exchange: the merchant's ratio, rounding in the platform's favour
with the remainder left offline, daily limits, the step-up check and bad input."""

import pytest

from omniretail.accounts import services as accounts
from omniretail.core.errors import Conflict, PermissionDenied, RateLimited, ValidationFailed
from omniretail.core.sms import read_sms_file
from omniretail.ledger.models import Posting
from omniretail.ledger.services import InsufficientFunds
from omniretail.loyalty import exchange, face, selectors, services
from omniretail.loyalty.models import Conversion
from omniretail.testing.faces import PORTRAIT, someone_else

PTS = services.PLATFORM_POINTS
pytestmark = pytest.mark.django_db


@pytest.fixture
def offline(shopper, merchant):
    code = services.merchant_asset_code(merchant)
    services.award_points(
        user=shopper, asset_code=code, points=125, reason="store", idempotency_key="o1"
    )
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=1000)
    return code


def otp_step_up(user):
    exchange.request_step_up_code(user=user)
    code = read_sms_file(user.phone)[-1]["text"].split("验证码是 ")[1][:6]
    return exchange.verify_step_up_code(user=user, code=code).public_id


def test_converting_rounds_down_and_leaves_the_remainder_offline(shopper, merchant, offline):
    done = exchange.convert(
        user=shopper,
        org=merchant,
        offline_points=125,
        step_up_id=otp_step_up(shopper),
        idempotency_key="c1",
    )
    assert (done.offline_points, done.platform_points) == (120, 12)
    assert selectors.balance(shopper, offline) == 5
    assert selectors.balance(shopper, PTS) == 12
    # the merchant issued 125 offline points and took 120 back: 5 still outstanding
    assert services.clearing_account(merchant, offline).balance == -5
    assert services.clearing_account(merchant, PTS).balance == -12


def test_a_replayed_conversion_changes_nothing_and_needs_no_new_check(shopper, merchant, offline):
    grant = otp_step_up(shopper)
    first = exchange.convert(
        user=shopper, org=merchant, offline_points=50, step_up_id=grant, idempotency_key="c"
    )
    again = exchange.convert(
        user=shopper, org=merchant, offline_points=50, step_up_id=grant, idempotency_key="c"
    )
    assert again.pk == first.pk
    assert selectors.balance(shopper, PTS) == 5


def test_a_conversion_without_a_fresh_step_up_is_refused(shopper, merchant, offline):
    grant = otp_step_up(shopper)
    exchange.convert(
        user=shopper, org=merchant, offline_points=10, step_up_id=grant, idempotency_key="a"
    )
    with pytest.raises(PermissionDenied) as err:
        exchange.convert(
            user=shopper, org=merchant, offline_points=10, step_up_id=grant, idempotency_key="b"
        )
    assert err.value.code == "step_up_required"
    assert selectors.balance(shopper, offline) == 115


def test_converting_more_than_owned_is_refused_and_nothing_changes(shopper, merchant, offline):
    before = Posting.objects.count()
    with pytest.raises(InsufficientFunds):
        exchange.convert(
            user=shopper,
            org=merchant,
            offline_points=500,
            step_up_id=otp_step_up(shopper),
            idempotency_key="x",
        )
    assert Posting.objects.count() == before
    assert selectors.balance(shopper, offline) == 125
    assert selectors.balance(shopper, PTS) == 0


def test_the_daily_limit_is_kept(shopper, merchant, offline):
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=100)
    exchange.convert(
        user=shopper,
        org=merchant,
        offline_points=90,
        step_up_id=otp_step_up(shopper),
        idempotency_key="a",
    )
    with pytest.raises(Conflict) as err:
        exchange.convert(
            user=shopper,
            org=merchant,
            offline_points=20,
            step_up_id=exchange._grant(shopper, "otp").public_id,
            idempotency_key="b",
        )
    assert err.value.code == "daily_limit_exceeded"
    assert Conversion.objects.count() == 1


@pytest.mark.parametrize("ratio", [(0, 1), (10, 0), (-10, 1), (10, -1)])
def test_a_zero_or_negative_ratio_is_refused(merchant, ratio):
    with pytest.raises(ValidationFailed):
        exchange.set_exchange_rule(
            org=merchant, offline=ratio[0], platform=ratio[1], daily_limit=10
        )


def test_too_few_points_for_one_platform_point_is_refused(shopper, merchant, offline):
    with pytest.raises(ValidationFailed) as err:
        exchange.convert(
            user=shopper,
            org=merchant,
            offline_points=9,
            step_up_id=otp_step_up(shopper),
            idempotency_key="x",
        )
    assert "offline_points" in err.value.fields


def test_an_uneven_ratio_keeps_whole_points_for_the_platform(merchant):
    rule = exchange.set_exchange_rule(org=merchant, offline=3, platform=2, daily_limit=10)
    q = exchange.quote(rule=rule, offline_points=4)
    assert (q.platform_points, q.used, q.remainder) == (2, 3, 1)


def test_face_step_up_needs_consent_and_stops_after_deletion(shopper):
    me, other = PORTRAIT, someone_else()
    with pytest.raises(ValidationFailed):
        face.enrol(user=shopper, image=me, consent=False)
    face.enrol(user=shopper, image=me, consent=True)
    with pytest.raises(PermissionDenied):
        exchange.verify_step_up_face(user=shopper, image=other)
    assert exchange.verify_step_up_face(user=shopper, image=me).method == "face"
    face.delete(user=shopper)
    with pytest.raises(Conflict):
        exchange.verify_step_up_face(user=shopper, image=me)


def test_an_otp_for_another_phone_does_not_step_up(shopper):
    accounts.request_login_code(phone="13800000009")
    with pytest.raises(ValidationFailed):
        exchange.verify_step_up_code(user=shopper, code="123456")


def test_the_exchange_code_sms_says_what_it_is_for_keeps_its_own_limit_and_cannot_sign_in(
    shopper,
):
    """The step-up code used to be a login code: its SMS said 登录验证码, it spent the login
    resend limit, and it signed the person in. Now each is its own."""
    exchange.request_step_up_code(user=shopper)
    sms = read_sms_file(shopper.phone)[-1]
    assert sms["template"] == "exchange_code"
    assert "积分兑换" in sms["text"] and "登录" not in sms["text"]
    code = sms["text"].split("验证码是 ")[1][:6]

    accounts.request_login_code(phone=shopper.phone)  # not held back by the exchange code
    assert read_sms_file(shopper.phone)[-1]["template"] == "login_code"
    with pytest.raises(ValidationFailed):
        accounts.verify_login_code(phone=shopper.phone, code=code)  # no sign-in with it
    with pytest.raises(RateLimited):
        exchange.request_step_up_code(user=shopper)  # its own resend limit
    assert exchange.verify_step_up_code(user=shopper, code=code).method == "otp"
