"""PostgreSQL: runs of the birthday job at the same moment (two workers, a redelivery) give
each member's birthday once: the per-member-and-year claim decides, the losers skip."""

import pytest

from omniretail.analytics import birthday
from omniretail.analytics.models import BirthdayGift
from omniretail.analytics.tests.test_birthday_campaigns import NOON, _member
from omniretail.ledger.models import Posting
from omniretail.loyalty import selectors
from omniretail.loyalty.services import merchant_asset_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runs_at_once_give_each_birthday_once(merchant, merchant_staff, race):
    people = [_member(merchant, f"1350000010{i}", f"会员{i}", 6, 10) for i in range(6)]
    birthday.start(
        merchant=merchant, gift="points", points="66", days_before="0", actor=merchant_staff
    )
    outcomes = race(4, lambda _i: birthday.send_due(now=NOON))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sum(outcomes) == 6
    assert BirthdayGift.objects.count() == 6
    code = merchant_asset_code(merchant)
    assert [selectors.balance(m.user, code) for m in people] == [66] * 6
    assert Posting.objects.filter(kind="loyalty_award").count() == 6
