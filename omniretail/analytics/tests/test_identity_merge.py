"""Member de-duplication by real-name identity: two accounts with different phones that
passed a real-name check of the same ID number are proposed as 同实名身份 (the number only
ever shown masked), a verified account and an unverified one are not, and merging them
keeps the ledger balanced and is undone exactly."""

import pytest
from django.db.models import Sum
from django.urls import reverse

from omniretail.accounts.models import User
from omniretail.analytics import identity, merging, quality
from omniretail.analytics.models import VerifiedIdentity
from omniretail.analytics.tests.test_merging import _order, _state, _wallet
from omniretail.core.errors import ValidationFailed
from omniretail.ledger.models import Account
from omniretail.loyalty.models import Member
from omniretail.loyalty.services import award_points, merchant_asset_code
from omniretail.orders.models import Order

ID = "11010519491231002X"  # a resident ID with a valid check character
OTHER_ID = "440306198808081230"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (ID, ID),
        ("110105 19491231 002x", ID),  # spaces and a lower-case x
        ("110105194912310021", None),  # wrong check character
        ("11010519491231002", None),  # 17 characters
        ("", None),
    ],
)
def test_id_numbers_are_checked_before_they_are_kept(raw, normal):
    assert identity.normalise_id_number(raw) == normal


@pytest.fixture
def same_person(store):
    """张伟 opened two accounts with two phones and verified both with one ID card; the
    second has points and an order at the merchant."""
    first = User.objects.create(username="zhangwei", phone="13600000001")
    second = User.objects.create(username="zhangwei_new", phone="13600000002")
    for user in (first, second):
        identity.record(user=user, name="张伟", id_number=ID, verified=True, provider="sandbox")
    code = merchant_asset_code(store.merchant)
    award_points(user=first, asset_code=code, points=40, reason="t", idempotency_key="i1")
    award_points(user=second, asset_code=code, points=90, reason="t", idempotency_key="i2")
    Member.objects.create(user=second, org=store.merchant, name="张伟")
    _order(store, second, "Z0001")
    return first, second


def test_accounts_of_one_verified_identity_are_proposed_masked(same_person):
    first, second = same_person
    [group] = quality.duplicate_members()
    assert group["users"] == [first, second]
    assert [str(label) for label in group["labels"]] == ["同实名身份"]
    assert group["id_masked"] == "110***********002X"
    stored = VerifiedIdentity.objects.get(user=first)
    assert ID not in (stored.id_hash, stored.id_masked) and stored.name_masked == "张*"


def test_a_verified_and_an_unverified_account_are_not_one_person(store, platform_staff):
    verified = User.objects.create(username="liu", phone="13600000003")
    unverified = User.objects.create(username="liu2", phone="13600000004")
    identity.record(user=verified, name="刘洋", id_number=ID, verified=True, provider="sandbox")
    identity.record(user=unverified, name="刘洋", id_number=ID, verified=False, provider="sandbox")
    other = User.objects.create(username="chen", phone="13600000005")
    identity.record(user=other, name="陈静", id_number=OTHER_ID, verified=True, provider="sandbox")
    assert quality.duplicate_members() == []
    with pytest.raises(ValidationFailed):
        merging.merge(source_id=unverified.pk, target_id=verified.pk, actor=platform_staff)
    with pytest.raises(ValidationFailed):
        merging.merge(source_id=other.pk, target_id=verified.pk, actor=platform_staff)


def test_a_bad_id_number_is_refused_and_nothing_kept(store):
    user = User.objects.create(username="zhao", phone="13600000006")
    with pytest.raises(ValidationFailed) as exc:
        identity.record(
            user=user, name="赵磊", id_number="110105194912310021", verified=True, provider="x"
        )
    assert "id_number" in exc.value.fields
    assert not VerifiedIdentity.objects.exists()


def test_merging_one_identity_keeps_the_ledger_balanced_and_undoes(same_person, platform_staff):
    first, second = same_person
    before = _state()
    total = Account.objects.aggregate(s=Sum("balance"))["s"]
    record = merging.merge(source_id=second.pk, target_id=first.pk, actor=platform_staff)
    assert Order.objects.get(number="Z0001").shopper == first
    assert (_wallet(first).balance, _wallet(second).balance) == (130, 0)
    assert Account.objects.aggregate(s=Sum("balance"))["s"] == total
    merging.undo(merge_id=record.pk, actor=platform_staff)
    assert _state() == before


def test_the_quality_page_labels_the_reason_and_never_shows_the_id(
    client, platform_staff, same_person
):
    first, second = same_person
    client.force_login(platform_staff)
    html = client.get(reverse("web:ops_quality")).content.decode()
    assert "同实名身份" in html and "110***********002X" in html and ID not in html
    assert f'data-testid="merge-{second.pk}"' in html
    csv = client.get(reverse("web:ops_quality"), {"export": "duplicate_members"})
    body = csv.content.decode("utf-8-sig")
    assert "同实名身份,110***********002X,#" in body and ID not in body
    merged = client.post(
        reverse("web:ops_quality_merge"), {"source": second.pk, "target": first.pk}
    )
    assert merged.status_code == 302
