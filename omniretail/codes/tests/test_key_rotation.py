"""Printed codes outlive key rotations and hosts: each token names the key that signed it,
every key of the ring verifies, the newest active one signs."""

import pytest

from omniretail.accounts.models import User
from omniretail.codes import services, tokens
from omniretail.codes.models import PackagingCode
from omniretail.core import signing
from omniretail.core.models import SigningKey
from omniretail.core.tests.keyring import LEGACY_SECRET, later_fixture, rotate  # noqa: F401
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.selectors import balance

pytestmark = pytest.mark.django_db
PTS = loyalty.PLATFORM_POINTS

# A code printed before key rings, captured from that day's algorithm (no key id: 9 nonce
# bytes e4b88ee99da2e8869c and their HMAC under a key derived from LEGACY_SECRET).
LEGACY_TOKEN = "5LiO6Z2i6IacA2I3CfTn2ELT"


@pytest.fixture
def friend(db):
    return User.objects.create(username="m13700000002", phone="13700000002")


def test_a_code_printed_before_a_rotation_still_scans_and_pays_once(
    shopper, friend, token, make_batch, later
):
    kid = rotate()
    later()
    fresh = make_batch(quantity=2).codes.get(serial=1).token
    assert fresh.startswith(kid) and not token.startswith(kid)

    scan = services.claim_code(user=shopper, token=token)
    assert scan.points == 10 and balance(shopper, PTS) == 10
    with pytest.raises(services.AlreadyClaimed):
        services.claim_code(user=friend, token=token)
    assert balance(shopper, PTS) == 10 and balance(friend, PTS) == 0
    assert services.claim_code(user=friend, token=fresh).points == 10


def test_a_new_key_signs_only_once_every_process_can_know_it(make_batch, later):
    before = make_batch(quantity=1).codes.get().token
    kid = rotate()
    right_after = make_batch(quantity=1).codes.get().token
    assert right_after[: signing.KID_LENGTH] == before[: signing.KID_LENGTH] != kid
    later()
    assert make_batch(quantity=1).codes.get().token[: signing.KID_LENGTH] == kid


def test_a_forged_or_unknown_key_id_is_refused_without_touching_the_database(
    token, django_assert_num_queries
):
    other = rotate()  # a key the ring knows, which did not sign this code
    unknown = next(k for k in ("zzzz", "yyyy") if not SigningKey.objects.filter(kid=k).exists())
    body = token[signing.KID_LENGTH :]
    assert tokens.is_genuine(token)
    with django_assert_num_queries(0):
        for forged in (other + body, unknown + body, token[:-1] + "?", "A" * 27):
            with pytest.raises(services.InvalidCode):
                services.code_for_token(forged)


def test_two_hosts_with_different_secret_keys_verify_each_others_codes(
    settings, monkeypatch, make_batch, shopper
):
    def host(secret_key: str):
        settings.SECRET_KEY = secret_key
        monkeypatch.setattr(signing, "_RING", signing.KeyRing())  # a process of its own

    host("host-a-" + "a" * 50)
    printed_on_a = make_batch(quantity=2).codes.get(serial=1).token
    host("host-b-" + "b" * 50)
    assert tokens.is_genuine(printed_on_a)
    printed_on_b = make_batch(quantity=2).codes.get(serial=1).token
    assert services.claim_code(user=shopper, token=printed_on_a).points == 10
    host("host-a-" + "a" * 50)
    assert services.code_for_token(printed_on_b).token == printed_on_b


def test_a_code_printed_before_key_rings_still_scans_and_pays_once(
    settings, shopper, friend, make_batch, later
):
    settings.SECRET_KEY = LEGACY_SECRET
    code = make_batch(quantity=1).codes.get()
    PackagingCode.objects.filter(pk=code.pk).update(token=LEGACY_TOKEN)
    rotate()
    later()

    assert services.claim_code(user=shopper, token=LEGACY_TOKEN).points == 10
    with pytest.raises(services.AlreadyClaimed):
        services.claim_code(user=friend, token=LEGACY_TOKEN)
    assert balance(shopper, PTS) == 10

    # SECRET_KEY changed, the old one kept among the fallbacks: still genuine; dropped: not.
    settings.SECRET_KEY = "a-new-secret-key-" + "n" * 40
    settings.SECRET_KEY_FALLBACKS = [LEGACY_SECRET]
    assert tokens.is_genuine(LEGACY_TOKEN)
    settings.SECRET_KEY_FALLBACKS = []
    assert not tokens.is_genuine(LEGACY_TOKEN)
