"""PostgreSQL: 实名认证 requests of one account at the same moment (two taps, two devices)
end with one identity: one check is kept as verified and the others are refused as
already verified, and parallel attempts never pass the day's limit."""

import pytest

from omniretail.accounts.models import User
from omniretail.analytics import realname
from omniretail.analytics.models import VerifiedIdentity
from omniretail.core.errors import Conflict, RateLimited, ValidationFailed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

IDS = ["110105198001010016", "110105198001010024", "110105198001010032", "110105198001010040"]


def test_checks_at_once_keep_one_identity_and_refuse_the_rest(race):
    user = User.objects.create(username="racer", phone="13600000201")

    def work(i):
        return realname.verify(user=user, name="张伟", id_number=IDS[i], consent=True)

    outcomes = race(4, work)
    won = [i for i, o in enumerate(outcomes) if isinstance(o, VerifiedIdentity)]
    assert len(won) == 1
    assert all(isinstance(o, Conflict) for i, o in enumerate(outcomes) if i not in won)
    kept = VerifiedIdentity.objects.get(user=user)
    assert kept.status == "verified" and kept.id_masked.endswith(IDS[won[0]][-4:])


def test_attempts_at_once_never_pass_the_days_limit(race):
    user = User.objects.create(username="burst", phone="13600000202")

    def work(_i):
        return realname.verify(user=user, name="张伟", id_number="110105194912319999", consent=True)

    outcomes = race(8, work)
    assert sum(isinstance(o, ValidationFailed) for o in outcomes) == 5  # checked: mismatch
    assert sum(isinstance(o, RateLimited) for o in outcomes) == 3
