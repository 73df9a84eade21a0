"""Races proven on PostgreSQL: a code scanned by many phones at once pays once; two workers
generating one batch never make a serial twice."""

import pytest

from omniretail.accounts.models import User
from omniretail.codes import services
from omniretail.codes.models import CodeBatch, CodeScan, PackagingCode
from omniretail.ledger.models import Posting
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.selectors import balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_phones_scanning_one_code_at_once_award_it_once(token, race):
    members = [
        User.objects.create(username=f"m1380000{i:04d}", phone=f"1380000{i:04d}") for i in range(10)
    ]

    outcomes = race(10, lambda i: services.claim_code(user=members[i], token=token))

    awarded = [o for o in outcomes if isinstance(o, CodeScan)]
    repeats = [o for o in outcomes if isinstance(o, services.AlreadyClaimed)]
    assert len(awarded) == 1 and len(repeats) == 9, outcomes
    assert Posting.objects.filter(kind="loyalty_award").count() == 1
    assert sum(balance(m, loyalty.PLATFORM_POINTS) for m in members) == 10


def test_two_workers_generating_one_batch_make_each_serial_once(
    producer, producer_staff, sku, race, monkeypatch
):
    monkeypatch.setattr(
        services,
        "_generate_task",
        lambda: type("T", (), {"enqueue": staticmethod(lambda batch_id: None)}),
    )
    batch = services.order_batch(actor=producer_staff, producer=producer, sku=sku, quantity=3000)

    outcomes = race(2, lambda i: services.generate_batch(batch_id=batch.pk, chunk=500))

    assert sum(outcomes) == 3000, outcomes
    batch.refresh_from_db()
    assert (batch.generated, batch.status) == (3000, CodeBatch.Status.READY)
    serials = PackagingCode.objects.filter(batch=batch).values_list("serial", flat=True)
    assert sorted(serials) == list(range(1, 3001))
