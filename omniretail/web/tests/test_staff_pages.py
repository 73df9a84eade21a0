"""员工管理 and 门店设置 on the merchant console: an owner invites by phone and the invitee
accepts after signing in; a manager edits the store's details, hours and exceptions; bad
input and another merchant's store are refused with a 4xx and nothing written."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from omniretail.accounts.models import Invitation, Membership, User
from omniretail.conftest import make_staff, make_store
from omniretail.core.sms import read_sms_file
from omniretail.core.uploads import variant_name
from omniretail.stores.models import OpeningException
from omniretail.testing.bad_images import not_an_image
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db
R = Membership.Role


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(merchant):
    return make_staff(merchant, "boss", role=R.OWNER)


def test_owner_invites_by_phone_and_the_invitee_accepts_after_signing_in(shop, owner, merchant):
    boss = client_for(owner)
    refused = boss.post(
        reverse("web:m_staff_invite"), {"phone": "+1 415 555 0100", "role": "staff"}
    )
    assert refused.status_code == 422
    assert "中国大陆手机号" in refused.content.decode()
    assert not Invitation.objects.exists() and read_sms_file() == []

    sent = boss.post(reverse("web:m_staff_invite"), {"phone": "139 1234 5678", "role": "staff"})
    assert sent.status_code == 302
    [sms] = read_sms_file("13912345678")
    assert reverse("web:invitations") in sms["text"]
    assert "13912345678" in boss.get(reverse("web:m_staff")).content.decode()

    invitee = User.objects.create(username="m13912345678", phone="13912345678")
    page = client_for(invitee).get(reverse("web:invitations")).content.decode()
    assert merchant.name in page and "店员" in page
    invitation = Invitation.objects.get()
    accepted = client_for(invitee).post(
        reverse("web:invitation_accept", args=[invitation.public_id])
    )
    assert accepted.status_code == 302 and accepted["Location"] == reverse("web:m_dashboard")
    assert Membership.objects.get(user=invitee).role == R.STAFF
    assert client_for(invitee).get(reverse("web:m_dashboard")).status_code == 200


def test_owner_changes_a_role_and_removes_a_member_a_manager_may_not(
    shop, owner, merchant, merchant_staff
):
    clerk = make_staff(merchant, "clerk-2", role=R.STAFF)
    manager = client_for(merchant_staff)
    url = reverse("web:m_staff_role", args=[clerk.public_id])
    assert manager.post(url, {"role": "manager"}).status_code == 403
    assert client_for(owner).post(url, {"role": "customer_service"}).status_code == 302
    assert Membership.objects.get(user=clerk).role == R.CUSTOMER_SERVICE

    remove = reverse("web:m_staff_remove", args=[clerk.public_id])
    assert client_for(owner).post(remove).status_code == 302
    assert not Membership.objects.filter(user=clerk).exists()


def test_manager_edits_hours_refusing_a_close_before_the_open_without_overnight(
    shop, merchant_staff
):
    store = shop.near_store
    manager = client_for(merchant_staff)
    assert manager.get(reverse("web:m_store"), {"store": store.public_id}).status_code == 200
    refused = manager.post(
        reverse("web:m_store_hours"), {"opens_0_0": "21:00", "closes_0_0": "09:00"}
    )
    assert refused.status_code == 422
    assert "次日" in refused.content.decode()
    assert store.hours.count() == 7  # still open all day, every day

    saved = manager.post(
        reverse("web:m_store_hours"),
        {
            "opens_0_0": "09:00",
            "closes_0_0": "12:00",
            "opens_0_1": "14:00",
            "closes_0_1": "22:00",
            "opens_4_0": "20:00",
            "closes_4_0": "02:00",
            "overnight_4_0": "on",
        },
    )
    assert saved.status_code == 302
    assert [(h.weekday, f"{h.opens:%H:%M}-{h.closes:%H:%M}") for h in store.hours.all()] == [
        (0, "09:00-12:00"),
        (0, "14:00-22:00"),
        (4, "20:00-02:00"),
    ]


def test_manager_moves_the_store_and_sets_then_removes_an_exception(shop, merchant_staff):
    store = shop.near_store
    manager = client_for(merchant_staff)
    manager.get(reverse("web:m_store"), {"store": store.public_id})
    fields = {
        "name": store.name,
        "phone": "0571-88001199",
        "address": "杭州市上城区湖滨路 20 号",
        "city": "杭州",
        "district": "上城区",
        "lat": "30.2601",
        "lon": "120.1652",
        "main_products": "",
        "description": "",
    }
    assert manager.post(reverse("web:m_store_details"), fields).status_code == 302
    store.refresh_from_db()
    assert (store.lat, store.lon, store.phone) == (30.2601, 120.1652, "0571-88001199")

    bad = manager.post(reverse("web:m_store_details"), {**fields, "lat": "95"})
    assert bad.status_code == 422
    store.refresh_from_db()
    assert store.lat == 30.2601

    form = {"date": "2027-02-10", "is_closed": "on", "note": "春节休息"}
    assert manager.post(reverse("web:m_store_exception"), form).status_code == 302
    assert "春节休息" in manager.get(reverse("web:m_store")).content.decode()
    remove = reverse("web:m_store_exception_remove", args=["2027-02-10"])
    assert manager.post(remove).status_code == 302
    assert not OpeningException.objects.exists()


def test_a_manager_acting_on_another_merchants_store_gets_404_and_writes_nothing(
    shop, merchant_staff, other_merchant, other_merchant_staff
):
    rival = make_store(other_merchant_staff, other_merchant, "西溪店")
    url = reverse("web:m_store_hours") + f"?store={rival.public_id}"
    response = client_for(merchant_staff).post(url, {"opens_0_0": "10:00", "closes_0_0": "11:00"})
    assert response.status_code == 404
    assert rival.hours.count() == 7
    invite = reverse("web:m_staff_invite") + f"?store={rival.public_id}"
    owner = make_staff(shop.near_store.merchant, "boss", role=R.OWNER)
    response = client_for(owner).post(invite, {"phone": "13912345678", "role": "staff"})
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_manager_uploads_store_photos_shown_on_the_store_page_and_removes_one(
    shop, merchant_staff, settings, django_capture_on_commit_callbacks
):
    store = shop.near_store
    manager = client_for(merchant_staff)
    manager.get(reverse("web:m_store"), {"store": store.public_id})
    upload = manager.post(
        reverse("web:m_store_photos"),
        {
            "photos": [
                photo("JPEG", "门头.jpg", size=(1200, 800)),
                photo("PNG", "货架.png", size=(640, 480)),
            ],
            "alt": "门头与货架",
        },
    )
    assert upload.status_code == 302
    first, second = store.photos.all()
    assert (first.width, first.height, first.alt) == (1200, 800, "门头与货架")
    media = Path(settings.MEDIA_ROOT)
    assert (media / first.name).exists()
    assert (media / variant_name(first.name, 480)).exists()

    page = Client().get(reverse("web:store", args=[store.public_id])).content.decode()
    assert 'data-testid="store-photos"' in page and variant_name(first.name, 480) in page

    with django_capture_on_commit_callbacks(execute=True):  # the files go after commit
        removed = manager.post(reverse("web:m_store_photo_remove", args=[first.pk]))
    assert removed.status_code == 302
    assert list(store.photos.all()) == [second]
    assert not (media / first.name).exists()


def test_a_file_that_is_not_a_picture_or_a_seventh_photo_is_refused_storing_nothing(
    shop, merchant_staff, settings
):
    store = shop.near_store
    manager = client_for(merchant_staff)
    manager.get(reverse("web:m_store"), {"store": store.public_id})
    refused = manager.post(
        reverse("web:m_store_photos"), {"photos": [photo("PNG", "ok.png"), not_an_image()]}
    )
    assert refused.status_code == 422
    assert not store.photos.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))

    six = [photo("PNG", f"{i}.png", size=(60 + i, 40)) for i in range(6)]
    assert manager.post(reverse("web:m_store_photos"), {"photos": six}).status_code == 302
    seventh = manager.post(reverse("web:m_store_photos"), {"photos": [photo("PNG", "7.png")]})
    assert seventh.status_code == 422
    assert store.photos.count() == 6
