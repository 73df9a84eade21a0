"""Every link an order's notifications carry opens, for the person it was sent to: an order
taken through pickup, reminders, same-city delivery with a late rider, confirmation,
after-sales and its refund writes its notices (in-app and SMS) with real objects, then each
recipient, signed in, follows each link and gets the page (200), never a 404 or a 500."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.accounts.models import Membership
from omniretail.core.sms import TEMPLATES, read_sms_file
from omniretail.notifications.models import Notification
from omniretail.orders import aftersales, delivery, reminders, services
from omniretail.orders.models import Delivery
from omniretail.orders.tests.test_delivery import MIDDLE

pytestmark = pytest.mark.django_db
LINK = re.compile(r"(?:https?://[^/\s]+)?(/[\w\-./?=&#%]*)")


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _recipient(notice: Notification):
    if notice.user_id:
        return notice.user
    return Membership.objects.filter(organization=notice.organization).first().user


def _drive_an_order_through_its_life(place_order, pay, shopper, merchant_staff, sku):
    pickup = pay(place_order(lines=[(sku, 1)]))  # 新订单 to the store, 支付成功 to the shopper
    reminders.remind_store(shopper=shopper, order=pickup)  # 催单 to the store
    services.mark_ready_for_pickup(staff=merchant_staff, order=pickup)  # 待自提

    order = pay(place_order(kind="delivery", lines=[(sku, 2)], delivery_address=MIDDLE))
    leg = order.delivery
    delivery.accept(rider=merchant_staff, delivery=leg)  # 骑手已接单
    delivery.pick_up(rider=merchant_staff, delivery=leg)
    delivery.set_off(rider=merchant_staff, delivery=leg)  # 正在赶往
    Delivery.objects.filter(pk=leg.pk).update(promised_at=timezone.now() - timedelta(minutes=5))
    leg.refresh_from_db()
    delivery.deliver(rider=merchant_staff, delivery=leg, code=leg.code)  # 已送达, 超时 to store
    order.refresh_from_db()
    services.confirm_delivery(actor=shopper, order=order)
    order.refresh_from_db()
    request = aftersales.request_after_sales(  # 售后申请 to the store
        shopper=shopper, order=order, kind="refund_only", reason="少发了一片面膜"
    )
    aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)  # 退款


def test_every_link_in_every_notice_opens_for_its_recipient(
    place_order, pay, wallet, shopper, merchant_staff, sku, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _drive_an_order_through_its_life(place_order, pay, shopper, merchant_staff, sku)

    notices = list(Notification.objects.select_related("user", "organization").order_by("id"))
    assert {n.user_id for n in notices} >= {shopper.pk, None}  # the shopper's and the store's
    assert len(notices) >= 8
    followed = []
    for notice in notices:
        assert notice.link, notice.title
        path = LINK.fullmatch(notice.link).group(1)
        response = _as(_recipient(notice)).get(path, follow=True)
        followed.append((notice.title, path, response.status_code))
    assert [f for f in followed if f[2] != 200] == [], followed

    # The SMS copies of the notices, and every template the platform sends, carry no link
    # a recipient could not open.
    texts = [m["text"] for m in read_sms_file(shopper.phone)]
    assert texts, "the shopper's notices go out by SMS too"
    context = {"code": "123456", "minutes": 5, "title": "订单通知", "body": "订单已送达"}
    texts += [render(context) for render in TEMPLATES.values()]
    for text in texts:
        for path in re.findall(r"https?://\S+|(?<![\w.])/[a-z][\w\-/]*/", text):
            response = _as(shopper).get(LINK.fullmatch(path).group(1), follow=True)
            assert response.status_code == 200, (text, path)
