"""Complaints end to end: filed about a merchant (no order), a store or an order, with
photos; answered by the merchant; resolved by the platform with a compensation coupon."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image

from omniretail.conftest import make_staff
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon
from omniretail.notifications.models import Notification
from omniretail.service.complaints import escalate_overdue_complaints
from omniretail.service.models import Complaint


@pytest.fixture
def shopper(db):
    return get_user_model().objects.create(username="m13800138000", phone="13800138000")


def _jpeg(name="shelf.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = name
    return buf


def test_a_complaint_without_an_order_against_a_merchant_is_filed(api_client, shopper, merchant):
    response = api_client(shopper).post_form(
        "/api/service/complaints",
        {"about": "merchant", "target": merchant.public_id, "text": "店员态度恶劣，还骂人"},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["merchant"] == merchant.public_id and body["order"] is None
    assert body["status"] == "open"
    assert Notification.objects.filter(organization=merchant, title="新投诉").exists()


def test_a_complaint_about_a_store_carries_photos_and_names_its_merchant(
    api_client, shopper, store, merchant
):
    response = api_client(shopper).post_form(
        "/api/service/complaints",
        {
            "about": "store",
            "target": store.public_id,
            "text": "货架上的牛奶过期了",
            "photos": [_jpeg()],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["store"] == store.public_id and body["merchant"] == merchant.public_id
    assert len(body["photos"]) == 1 and body["photos"][0].endswith(".jpg")


def test_a_file_that_is_not_an_image_files_nothing(api_client, shopper, merchant):
    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    fake.name = "receipt.jpg"
    response = api_client(shopper).post_form(
        "/api/service/complaints",
        {"about": "merchant", "target": merchant.public_id, "text": "乱收费", "photos": [fake]},
    )

    assert response.status_code == 422
    assert "photos" in response.json()["error"]["fields"]
    assert not Complaint.objects.exists()


def test_someone_elses_order_cannot_be_complained_about(api_client, shopper, merchant):
    response = api_client(shopper).post_form(
        "/api/service/complaints",
        {"about": "order", "target": "01jzzzzzzzzzzzzzzzzzzzzzzz", "text": "没收到货"},
    )

    assert response.status_code == 422
    assert response.json()["error"]["fields"]["target"] == ["找不到您的这笔订单。"]


def test_the_merchant_answers_and_the_platform_resolves_with_a_coupon(
    api_client, shopper, merchant, merchant_staff, other_merchant_staff, platform
):
    filed = (
        api_client(shopper)
        .post_form(
            "/api/service/complaints",
            {"about": "merchant", "target": merchant.public_id, "text": "店员态度恶劣"},
        )
        .json()
    )
    ops = make_staff(platform, "ops")
    template = coupons.define_template(
        org=None, name="投诉补偿券", kind="amount", amount_off="10", valid_days=30
    )

    rival = api_client(other_merchant_staff).post(
        f"/api/service/manage/complaints/{filed['id']}/answer", {"answer": "不关我们的事"}
    )
    answered = api_client(merchant_staff).post(
        f"/api/service/manage/complaints/{filed['id']}/answer",
        {"answer": "已批评教育该店员，向您致歉"},
    )
    not_platform = api_client(merchant_staff).post(
        f"/api/service/manage/complaints/{filed['id']}/resolve", {"resolution": "结案"}
    )
    resolved = api_client(ops).post(
        f"/api/service/manage/complaints/{filed['id']}/resolve",
        {"resolution": "商家已道歉，补偿 10 元券", "coupon_template": template.public_id},
    )
    again = api_client(ops).post(
        f"/api/service/manage/complaints/{filed['id']}/resolve",
        {"resolution": "再补一张", "coupon_template": template.public_id},
    )
    seen = api_client(shopper).get(f"/api/service/complaints/{filed['id']}").json()

    assert rival.status_code == 404
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert not_platform.status_code == 403
    assert resolved.status_code == 200, resolved.json()
    assert again.status_code == 409
    assert seen["status"] == "resolved" and seen["answer"] == "已批评教育该店员，向您致歉"
    assert seen["resolution"] == "商家已道歉，补偿 10 元券"
    assert Coupon.objects.filter(user=shopper, template=template).count() == 1
    assert seen["coupon"] == Coupon.objects.get(user=shopper).public_id


def test_a_complaint_filed_through_the_old_orders_api_moves_to_the_service_desk(
    shopper, merchant, merchant_staff
):
    from importlib import import_module

    from django.apps import apps

    from omniretail.orders.models import Complaint as OldComplaint

    old = OldComplaint.objects.create(shopper=shopper, merchant=merchant, text="没人接电话")
    moving = import_module("omniretail.service.migrations.0002_complaints_from_orders")

    moving.move(apps, None)
    moving.move(apps, None)  # twice moves nothing more

    moved = Complaint.objects.get()
    assert (moved.public_id, moved.about, moved.status) == (old.public_id, "merchant", "open")
    assert moved.created_at == old.created_at
    assert moved.merchant == merchant and moved.text == "没人接电话"


# ---------------------------------------------------------------- the answer deadline


def _file(client, merchant, text="收银员多收了我 5 元"):
    response = client.post_form(
        "/api/service/complaints",
        {"about": "merchant", "target": merchant.public_id, "text": text},
    )
    assert response.status_code == 201, response.json()
    return Complaint.objects.get(public_id=response.json()["id"])


def test_the_merchants_complaint_hours_set_the_answer_deadline(
    api_client, shopper, merchant, merchant_staff
):
    saved = api_client(merchant_staff).put(
        "/api/service/settings",
        {
            "organization": merchant.public_id,
            "assignment": "claim",
            "reply_minutes": 10,
            "complaint_hours": 24,
        },
    )
    too_long = api_client(merchant_staff).put(
        "/api/service/settings",
        {
            "organization": merchant.public_id,
            "assignment": "claim",
            "reply_minutes": 10,
            "complaint_hours": 721,
        },
    )
    before = timezone.now()
    complaint = _file(api_client(shopper), merchant)

    assert saved.status_code == 200 and saved.json()["complaint_hours"] == 24
    assert too_long.status_code == 422 and "complaint_hours" in too_long.json()["error"]["fields"]
    due = complaint.answer_due_at - before
    assert timedelta(hours=24) <= due < timedelta(hours=24, minutes=1)


def test_an_unanswered_complaint_escalates_once_after_its_deadline(
    api_client, shopper, merchant, platform
):
    complaint = _file(api_client(shopper), merchant)
    due = complaint.answer_due_at

    early = escalate_overdue_complaints(now=due - timedelta(minutes=1))
    first = escalate_overdue_complaints(now=due + timedelta(minutes=1))
    second = escalate_overdue_complaints(now=due + timedelta(minutes=20))
    complaint.refresh_from_db()
    seen = api_client(shopper).get(f"/api/service/complaints/{complaint.public_id}").json()

    assert (early, first, second) == (0, 1, 0)
    assert complaint.escalated_at == due + timedelta(minutes=1)
    assert seen["escalated_at"] is not None and seen["status"] == "open"
    assert (
        Notification.objects.filter(
            organization=platform, title="投诉超时未答复，已升级至平台"
        ).count()
        == 1
    )


def test_an_answered_complaint_never_escalates(api_client, shopper, merchant, merchant_staff):
    complaint = _file(api_client(shopper), merchant)
    answered = api_client(merchant_staff).post(
        f"/api/service/manage/complaints/{complaint.public_id}/answer", {"answer": "已退还 5 元"}
    )

    swept = escalate_overdue_complaints(now=complaint.answer_due_at + timedelta(days=3))
    complaint.refresh_from_db()

    assert answered.status_code == 200
    assert swept == 0 and complaint.escalated_at is None


def test_the_desks_show_the_overdue_and_escalated_complaints(
    client, api_client, shopper, merchant, store, merchant_staff, platform
):
    """The merchant's console needs a store (the `store` fixture)."""
    late = _file(api_client(shopper), merchant, "等了三天没人理")
    _file(api_client(shopper), merchant, "刚刚发生的事")
    Complaint.objects.filter(pk=late.pk).update(answer_due_at=timezone.now() - timedelta(hours=1))
    ops = make_staff(platform, "ops")

    client.force_login(merchant_staff)
    overdue = client.get("/merchant/complaints/").content.decode()
    escalate_overdue_complaints()
    client.force_login(ops)
    platform_desk = client.get("/merchant/complaints/?escalated=1").content.decode()
    client.force_login(shopper)
    mine = client.get(f"/service/complaints/{late.public_id}/").content.decode()

    assert overdue.count('data-testid="complaint-overdue"') == 1
    assert "等了三天没人理" in platform_desk and "刚刚发生的事" not in platform_desk
    assert 'data-testid="complaint-escalated"' in platform_desk
    assert "已升级至平台处理" in mine
