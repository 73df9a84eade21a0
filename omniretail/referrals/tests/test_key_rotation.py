"""Share links outlive key rotations and hosts: the link names the key that signed it, every
key of the ring verifies, the newest active one signs."""

import pytest

from omniretail.core import signing
from omniretail.core.models import SigningKey
from omniretail.core.tests.keyring import LEGACY_SECRET, later_fixture, rotate  # noqa: F401
from omniretail.referrals import links, services
from omniretail.referrals.models import ShareLink, ShareVisit

pytestmark = pytest.mark.django_db

# A link shared before key rings, captured from that day's algorithm (no key id: the link's
# id and its HMAC under a key derived from LEGACY_SECRET).
LEGACY_LINK_ID = "01jbk4t9m6q8x2c5v7n3r0w1yz"
LEGACY_TOKEN = "AZLmTSaGujomF2eo8A4H3wQiCuO7P1fZMRkkNg"


def test_a_link_shared_before_a_rotation_still_lands_and_new_links_carry_the_new_key(
    referrals, later
):
    token = referrals.share(referrals.sharer)
    kid = rotate()
    later()
    fresh = referrals.share(referrals.other)
    assert fresh.startswith(kid) and not token.startswith(kid)
    assert len(token) == len(fresh) == links.TOKEN_LENGTH

    assert referrals.click(referrals.buyer, token).link.sharer == referrals.sharer
    assert referrals.click(referrals.buyer, fresh).link.sharer == referrals.other


def test_a_forged_or_unknown_key_id_is_refused_without_touching_the_database(
    referrals, django_assert_num_queries
):
    token = referrals.share(referrals.sharer)
    other = rotate()
    unknown = next(k for k in ("zzzz", "yyyy") if not SigningKey.objects.filter(kid=k).exists())
    body = token[signing.KID_LENGTH :]
    assert links.public_id_from(token)  # this process has read the ring
    with django_assert_num_queries(0):
        for forged in (other + body, unknown + body):
            with pytest.raises(services.InvalidShareLink):
                services.link_for_token(forged)
    assert ShareVisit.objects.count() == 0


def test_two_hosts_with_different_secret_keys_verify_each_others_links(
    referrals, settings, monkeypatch
):
    def host(secret_key: str):
        settings.SECRET_KEY = secret_key
        monkeypatch.setattr(signing, "_RING", signing.KeyRing())  # a process of its own

    host("host-a-" + "a" * 50)
    token = referrals.share(referrals.sharer)
    host("host-b-" + "b" * 50)
    assert referrals.click(referrals.buyer, token).link.sharer == referrals.sharer
    assert links.token_for(ShareLink.objects.get().public_id) == token


def test_a_link_shared_before_key_rings_still_lands(referrals, settings, later):
    settings.SECRET_KEY = LEGACY_SECRET
    referrals.share(referrals.sharer)
    ShareLink.objects.update(public_id=LEGACY_LINK_ID)
    rotate()
    later()

    visit = referrals.click(referrals.buyer, LEGACY_TOKEN)
    assert visit.link.public_id == LEGACY_LINK_ID
    tampered = LEGACY_TOKEN[:-1] + ("A" if LEGACY_TOKEN[-1] != "A" else "B")
    assert links.public_id_from(tampered) is None
