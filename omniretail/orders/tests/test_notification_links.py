"""Every link a notification carries opens, for the person it was sent to. Each test drives
one area through its services so that it writes its notices with real objects (an order's
life from pickup to refund; customer service; supply; group buys; referrals; counters),
then each recipient, signed in, follows each link and gets the page (200, after any
redirect), never a 404, a 403 or a 500. Notices that carry no link on purpose (a counter's
one-time unlock code) are not written by these flows."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.accounts.models import Membership, User
from omniretail.conftest import make_staff
from omniretail.core.sms import TEMPLATES, read_sms_file
from omniretail.counters.tests.conftest import counter_setup  # noqa: F401  (fixture)
from omniretail.groupbuy.tests.fixtures import groupbuys_fixture  # noqa: F401  (fixture)
from omniretail.notifications.models import Notification
from omniretail.orders import aftersales, delivery, reminders, services
from omniretail.orders.models import Delivery
from omniretail.orders.tests.test_delivery import MIDDLE
from omniretail.referrals.tests.fixtures import referrals_fixture  # noqa: F401  (fixture)
from omniretail.service import chat, complaints
from omniretail.service.models import Conversation
from omniretail.supply.tests.fixtures import channel_fixture  # noqa: F401  (fixture)

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


def _notices() -> list[Notification]:
    return list(Notification.objects.select_related("user", "organization").order_by("id"))


def _follow_every_link(notices) -> None:
    """Each notice has a link, and its recipient, signed in, opens it (following any
    redirect to the page it leads to): 200, never a 404, a 403 or a 500."""
    followed = []
    for notice in notices:
        assert notice.link, notice.title
        path = LINK.fullmatch(notice.link).group(1)
        response = _as(_recipient(notice)).get(path, follow=True)
        followed.append((str(notice.title), path, response.status_code))
    assert [f for f in followed if f[2] != 200] == [], followed


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

    notices = _notices()
    assert {n.user_id for n in notices} >= {shopper.pk, None}  # the shopper's and the store's
    assert len(notices) >= 8
    _follow_every_link(notices)

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


def test_every_customer_service_notice_opens_for_its_recipient(
    shopper, merchant, merchant_staff, store, platform_staff
):
    """Complaints (new to the merchant, answered and resolved to the shopper, escalated to
    the platform) and chat (an offline message answered, a conversation transferred)."""
    agent = make_staff(merchant, "kefu-b", Membership.Role.CUSTOMER_SERVICE)
    answered = complaints.file_complaint(
        shopper=shopper, about="store", target=store.public_id, text="店员态度很差，结账排队很久"
    )
    complaints.answer_complaint(
        staff=merchant_staff, complaint_id=answered.public_id, text="已处理"
    )
    complaints.resolve_complaint(
        operator=platform_staff, complaint_id=answered.public_id, resolution="已提醒门店整改"
    )
    complaints.file_complaint(
        shopper=shopper, about="merchant", target=merchant.public_id, text="买到的面膜过期了"
    )
    complaints.escalate_overdue_complaints(now=timezone.now() + timedelta(days=30))

    chat.ask(shopper=shopper, text="转人工", organization=merchant)  # nobody online: 留言
    conversation = Conversation.objects.get(shopper=shopper)
    chat.reply(agent=merchant_staff, conversation_id=conversation.public_id, text="您好，请讲")
    chat.transfer(
        agent=merchant_staff,
        conversation_id=conversation.public_id,
        to_agent=agent.public_id,
        note="顾客问退货",
    )

    notices = _notices()
    assert len(notices) >= 6, [n.title for n in notices]
    assert {n.user_id for n in notices} >= {shopper.pk, agent.pk, None}
    _follow_every_link(notices)


def test_every_supply_notice_opens_for_its_recipient(channel, django_capture_on_commit_callbacks):
    """Producer-to-retailer: a producer's sign-up and its review, goods reviewed, a retailer's
    purchase order placed, confirmed and shipped, a shopper's order routed to the retailer,
    and a retailer's application to join the mall and its review."""
    from omniretail.supply import onboarding, procurement
    from omniretail.supply import services as supply
    from omniretail.supply.tests.test_onboarding import apply

    with django_capture_on_commit_callbacks(execute=True):
        signed_up = supply.register_producer(
            name="千岛湖茶油厂",
            code="qiandao",
            licence_number="91330127MA2H0XYZ01",
            username="qiandao-owner",
            password="Qiandao-pass-2026",
        )
        supply.review_producer(actor=channel.ops, application=signed_up, approve=True)
        product = channel.upload()
        channel.approve(product)
        selection = channel.select(product)
        po = procurement.place_order(
            actor=channel.clerk, store=channel.store, lines=[(selection, 20)]
        )
        procurement.confirm_order(actor=channel.region_ops, order=po)
        shipment = procurement.ship(
            actor=channel.region_ops, order=po, quantities={product.skus.get().public_id: 20}
        )
        procurement.receive(actor=channel.clerk, shipment=shipment)
        channel.buy(product, quantity=1)
        applicant = User.objects.create(username="m13900001234", phone="13900001234")
        application = apply(applicant)
        onboarding.review(
            actor=channel.ops, application=application, approve=False, reason="执照照片模糊"
        )

    notices = _notices()
    kinds = {n.organization.kind for n in notices if n.organization_id}
    assert kinds >= {"platform", "producer", "region", "merchant"}, [n.title for n in notices]
    assert applicant.pk in {n.user_id for n in notices}
    _follow_every_link(notices)


def test_every_group_buy_notice_opens_for_its_recipient(groupbuys):
    """A group formed and drawn (the winner's and the others' notices), and a group not
    formed by the end (the refund's)."""
    from omniretail.core.events import deliver_pending
    from omniretail.groupbuy import settlement
    from omniretail.groupbuy.models import Group

    campaign = groupbuys.campaign(quantity=2)
    for n in range(3):
        groupbuys.join(groupbuys.shopper(n), campaign)
    deliver_pending(now=timezone.now() + timedelta(minutes=1))
    with groupbuys.capture(execute=True):
        for full in Group.objects.filter(campaign=campaign, status=Group.Status.FULL):
            settlement.draw_group(group_id=full.pk)
        settlement.finish_formed_groups()
        groupbuys.join(groupbuys.shopper(9), campaign)
        settlement.close_ended_campaigns(now=campaign.ends_at + timedelta(seconds=1))

    notices = _notices()
    assert len({n.user_id for n in notices if n.user_id}) == 4, [n.title for n in notices]
    _follow_every_link(notices)


def test_every_referral_notice_opens_for_its_recipient(referrals):
    """A sharer's sale, rebate and reseller rights, a reseller's commission withdrawn (the
    merchant asked, the reseller answered), and a rebate taken back by a refund."""
    from omniretail.referrals import payouts
    from omniretail.referrals.tests.fixtures import earn_commission, make_reseller, shopper_named

    reseller = make_reseller(referrals)
    earn_commission(referrals, reseller)
    payouts.release_frozen_commissions(now=timezone.now() + timedelta(days=16))
    payout = payouts.request_payout(user=reseller.user, reseller=reseller, amount="60.00")
    payouts.decide_payout(staff=referrals.staff, payout=payout, approve=True)
    buyer = shopper_named("13900000009", "买家丁")
    referrals.click(buyer, referrals.share(referrals.other))
    order = referrals.buy(buyer)
    referrals.sweep()
    referrals.refund(order, "39.90")

    notices = _notices()
    titles = {str(n.title) for n in notices}
    assert {"分享成交", "获得销售权", "新的提现申请", "返利调整"} <= titles, titles
    _follow_every_link(notices)


def test_every_counter_notice_opens_for_its_recipient(
    counter_setup,  # noqa: F811  (the counters' fixture, imported above)
    producer_staff,
    django_capture_on_commit_callbacks,
):
    """A repair booked, checked in and moved on, and a test ride booked, confirmed and
    cancelled (the shopper's), a counter's task (the store's) and a scan lead passed on to
    the product's producer."""
    from omniretail.counters import leads, repairs, testrides
    from omniretail.counters import services as counters
    from omniretail.counters.models import Bay

    setup = counter_setup
    Bay.objects.filter(counter=setup.counter, number="1").update(test_ride=True)
    with django_capture_on_commit_callbacks(execute=True):
        ride = testrides.book(
            member=setup.member,
            counter=setup.counter,
            product=testrides.ride_product(setup.counter, setup.sku.product.public_id),
            starts_at=timezone.now() + timedelta(days=1),
            contact_name="王小明",
            contact_phone="13700000009",
        )
        testrides.move(actor=setup.staff, ride=ride, status="confirmed")
        testrides.cancel(member=setup.member, public_id=ride.public_id)
        ticket = repairs.book_repair(
            shopper=setup.member,
            counter=setup.counter,
            vehicle_serial="EV1",
            plate="",
            fault="不充电",
            photos=[],
            drop_off_at=timezone.now() + timedelta(hours=1),
        )
        repairs.check_in(shopper=setup.member, ticket=ticket, scanned="HZ-001")
        repairs.advance_repair(actor=setup.staff, ticket=ticket, step="dropped_off")
        counters.open_task(counter=setup.counter, kind="fault", key="screen", details={})
        lead = leads.record_scan(
            counter=setup.counter, product=setup.sku.product, user=setup.member
        )
        leads.pass_on(actor=setup.staff, lead_id=lead.public_id)

    notices = _notices()
    owners = {n.organization_id for n in notices}
    assert {setup.counter.merchant_id, setup.sku.product.owner_id} <= owners
    assert setup.member.pk in {n.user_id for n in notices}
    _follow_every_link(notices)
