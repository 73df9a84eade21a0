"""The shopper's messages: the badge on 我的 counts what is unread, opening a message marks it
read and follows its link (only to a page of this site), 全部已读 clears the badge, and a
message of someone else is not found. Every link the supply flow sends opens for its
recipient."""

import re

import pytest
from django.test import Client

from omniretail.notifications.models import Notification
from omniretail.notifications.services import notify
from omniretail.supply.tests.fixtures import channel_fixture  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _badge(client) -> int:
    page = client.get("/me/").content.decode()
    found = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else 0


@pytest.fixture
def other_shopper(db):
    from omniretail.accounts.models import User

    return User.objects.create(username="m13700000002", phone="13700000002")


@pytest.fixture
def three_notes(shopper):
    return [
        notify(user=shopper, title="订单已完成", body="您的订单已完成。", link="/orders/"),
        notify(user=shopper, title="优惠券到账", body="满 100 减 10。", link="/me/coupons/"),
        notify(user=shopper, title="外链", body="不该跳出本站。", link="https://evil.example/"),
    ]


def test_opening_a_message_marks_it_read_and_follows_its_link(shopper, three_notes):
    client = _client(shopper)
    assert _badge(client) == 3
    opened = client.get(f"/me/notifications/{three_notes[1].public_id}/")
    assert opened.status_code == 302 and opened["Location"] == "/me/coupons/"
    assert _badge(client) == 2


def test_a_message_linking_off_site_opens_the_list_instead(shopper, three_notes):
    client = _client(shopper)
    opened = client.get(f"/me/notifications/{three_notes[2].public_id}/")
    assert opened.status_code == 302 and opened["Location"] == "/me/notifications/"
    assert _badge(client) == 2


def test_mark_all_read_clears_the_badge(shopper, three_notes):
    client = _client(shopper)
    page = client.get("/me/notifications/").content.decode()
    assert "优惠券到账" in page and "全部已读" in page
    assert f"/me/notifications/{three_notes[0].public_id}/" in page
    client.post("/me/notifications/read-all/")
    assert _badge(client) == 0
    assert not Notification.objects.filter(user=shopper, read_at__isnull=True).exists()


def test_me_links_to_the_message_list(shopper, three_notes):
    page = _client(shopper).get("/me/").content.decode()
    assert 'href="/me/notifications/"' in page


def test_someone_elses_message_is_not_found_and_stays_unread(shopper, other_shopper):
    theirs = notify(user=other_shopper, title="私信", body="别人的消息。", link="/orders/")
    assert _client(shopper).get(f"/me/notifications/{theirs.public_id}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_every_supply_notification_link_opens_for_its_recipient(channel):
    from omniretail.supply import procurement

    product = channel.upload()
    channel.approve(product)
    before = set(Notification.objects.values_list("pk", flat=True))
    po = procurement.place_order(
        actor=channel.clerk, store=channel.store, lines=[(channel.select(product), 10)]
    )
    procurement.confirm_order(actor=channel.region_ops, order=po)
    sku = product.skus.get().public_id
    procurement.ship(actor=channel.region_ops, order=po, quantities={sku: 10})
    notes = Notification.objects.exclude(pk__in=before).filter(link__startswith="/supply/")
    assert notes.count() >= 3
    recipients = {po.region_id: channel.region_ops, po.retailer_id: channel.clerk}
    for note in notes:
        client = _client(recipients[note.organization_id])
        assert client.get(note.link).status_code == 200, note.link
        assert client.get(f"/me/notifications/{note.public_id}/", follow=True).status_code == 200
