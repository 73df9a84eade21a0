"""A real Chromium runs a group buy: three shoppers log in by SMS code and pay to join a
3-seat group with 1 winner; the group forms and is drawn at once; the proof page recomputes
the draw in the browser; the clerk redeems the winner's voucher in the merchant console;
the two others see their refund and consolation points."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from omniretail.groupbuy import draw, services
from omniretail.groupbuy.models import Group, Member
from omniretail.groupbuy.tests.fixtures import shopper_named
from omniretail.inventory import services as inventory
from omniretail.testing.browser import shoot, sms_login, staff_login

pytestmark = pytest.mark.browser
PHONES = ["13911110001", "13911110002", "13911110003"]


@pytest.fixture
def campaign(store, store_location, sku, merchant_staff):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=20)
    now = timezone.now()
    return services.publish_campaign(
        actor=merchant_staff,
        store=store,
        sku=sku,
        title="面膜三人团",
        quantity=2,
        group_price="19.90",
        group_size=3,
        winners_per_group=1,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=2),
        navigation_address="杭州市上城区湖滨路 18 号",
        phone="0571-88001188",
        consolation_points=50,
    )


def test_three_shoppers_join_one_wins_the_voucher_and_two_get_refund_and_points(
    live, campaign, browser, screenshot, store
):
    url = live.url
    campaign_url = f"{url}/groupbuy/{campaign.public_id}/"
    for i, phone in enumerate(PHONES):
        shopper_named(phone, f"团员{i + 1}", wallet="100.00")
    contexts = [
        browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
        )
        for _ in PHONES
    ]
    try:
        pages = [c.new_page() for c in contexts]
        for i, (page, phone) in enumerate(zip(pages, PHONES, strict=True)):
            page.goto(campaign_url)
            expect(page.get_by_test_id("seats-left")).to_have_text(str(6 - i))
            page.get_by_test_id("join-login").click()
            sms_login(page, phone)
            page.wait_for_url(campaign_url)
            page.get_by_test_id("provider-balance").check()
            page.get_by_test_id("join").click()
            page.wait_for_url(re.compile(r"/groupbuy/mine/"))
            if i == 0:
                expect(page.get_by_test_id("member-status")).to_have_text("已支付，等待成团")
                shoot(screenshot, page, "groupbuy-1-joined")
                # the first shopper's campaign page follows the others joining (htmx polling)
                page.goto(campaign_url)
                expect(page.get_by_test_id("group-progress")).to_have_text("1/3")
        expect(pages[0].get_by_test_id("group-progress")).to_have_text("0/3", timeout=10_000)
        expect(pages[0].get_by_test_id("proof-link")).to_have_count(1, timeout=10_000)

        group = Group.objects.get(campaign=campaign, number=1)
        assert group.status == Group.Status.SETTLED
        winner = Member.objects.get(public_id=group.winners[0])
        winner_page = pages[PHONES.index(winner.shopper.phone)]

        # The proof page recomputes the draw in the browser from the public data.
        pages[0].get_by_test_id("proof-link").click()
        expect(pages[0].get_by_test_id("browser-verdict")).to_contain_text("浏览器验证通过")
        expect(pages[0].get_by_test_id("server-verdict")).to_have_text("服务器校验：一致")
        expect(pages[0].get_by_test_id("seed")).to_have_text(group.seed)
        shoot(screenshot, pages[0], "groupbuy-2-proof")
        # each browser brought its own value, and the draw took them in seat order
        values = [m.client_value for m in Member.objects.filter(group=group)]
        assert group.draw_version == 2 and group.client_values == values
        assert len(set(values)) == 3 and all(re.fullmatch(r"[0-9a-f]{64}", v) for v in values)
        expect(pages[0].get_by_test_id("client-value")).to_have_count(3)
        # a proof padded to two winners (the true first two of the draw) fails in the
        # browser, which holds it to the campaign's one winner per group
        key = draw.draw_key(group.seed, 2, group.client_values)
        padded = draw.winners(key, group.public_id, group.member_list, 2)
        Group.objects.filter(pk=group.pk).update(winners_count=2, winners=padded)
        pages[0].reload()
        expect(pages[0].get_by_test_id("browser-verdict")).to_contain_text("浏览器验证失败")
        expect(pages[0].get_by_test_id("server-verdict")).to_have_text("服务器校验：不一致")
        Group.objects.filter(pk=group.pk).update(winners_count=1, winners=group.winners)

        winner_page.goto(f"{url}/groupbuy/mine/")
        expect(winner_page.get_by_test_id("member-status")).to_have_text("中签，凭券到店核销")
        code = winner_page.get_by_test_id("pickup-code").inner_text().strip()
        assert re.fullmatch(r"\d{8}", code)
        shoot(screenshot, winner_page, "groupbuy-3-winner-voucher")

        for page, phone in zip(pages, PHONES, strict=True):
            if phone == winner.shopper.phone:
                continue
            page.goto(f"{url}/groupbuy/mine/")
            expect(page.get_by_test_id("member-status")).to_have_text("已退款")
            expect(page.get_by_test_id("refund")).to_contain_text("¥19.90 已原路退款")
            expect(page.get_by_test_id("consolation")).to_contain_text("获赠 50 积分")
        shoot(screenshot, page, "groupbuy-4-refund-and-points")
    finally:
        for context in contexts:
            context.close()

    # The clerk redeems the winner's voucher at the store.
    staff = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    try:
        desk = staff.new_page()
        staff_login(desk, url, "clerk")
        desk.goto(f"{url}/merchant/groupbuy/{campaign.public_id}/")
        expect(desk.get_by_test_id("joins-chart").locator(".main-svg").first).to_be_visible()
        shoot(screenshot, desk, "groupbuy-5-merchant-console")
        desk.goto(f"{url}/merchant/redeem/?store={store.public_id}")
        desk.get_by_test_id("code").fill(code)
        desk.get_by_test_id("redeem").click()
        expect(desk.get_by_test_id("redeem-success")).to_contain_text("核销成功")
    finally:
        staff.close()
    winner.refresh_from_db()
    assert winner.order.status == "completed"
