"""A real Chromium hand-off (issue 18's proof): a shopper on a phone asks the assistant,
asks for a person, the conversation is assigned to the customer-service agent online at a
desktop console (round robin), who answers, closes it, and the shopper rates the service."""

import pytest
from playwright.sync_api import expect

from omniretail.accounts.models import Membership
from omniretail.conftest import make_staff
from omniretail.service import demo
from omniretail.service.models import Conversation
from omniretail.testing.browser import shoot, sms_login, staff_login

pytestmark = pytest.mark.browser
PHONE = "13900000018"
WAIT = {"timeout": 15_000}  # the pages poll every 3 to 5 seconds


@pytest.fixture
def desk_page(browser):
    """The agent console: a desktop screen."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_shopper_asks_the_bot_then_a_person_who_answers_closes_and_is_rated(
    live, platform, platform_staff, merchant, store, phone_page, desk_page, screenshot
):
    demo.load_kb(actor=platform_staff, organization=platform, entries=demo.PLATFORM_KB)
    make_staff(merchant, "cs-zhou", role=Membership.Role.CUSTOMER_SERVICE)
    url, shopper, desk = live.url, phone_page, desk_page

    staff_login(desk, url, "cs-zhou")
    desk.goto(f"{url}/merchant/service/")  # the agent is online while the console polls
    expect(desk.get_by_test_id("queue")).to_contain_text("暂无排队的顾客")

    shopper.goto(f"{url}/service/?org={merchant.public_id}")
    sms_login(shopper, PHONE)
    shopper.wait_for_url("**/service/**")
    shopper.get_by_test_id("ask-text").fill("積分會過期嗎？")
    shopper.get_by_test_id("ask-send").click()
    expect(shopper.get_by_test_id("line-bot").last).to_contain_text("一年内有效")
    shopper.get_by_test_id("ask-person").click()
    expect(shopper.get_by_test_id("conversation-status")).to_have_text("人工接待中")
    shoot(screenshot, shopper, "service-1-shopper-hand-off")

    desk.get_by_test_id("my-conversation").click(**WAIT)
    expect(desk.get_by_test_id("agent-lines")).to_contain_text("積分會過期嗎？")
    desk.get_by_test_id("reply-text").fill("您好，我是客服小周，积分一年内有效，快过期会提醒您。")
    desk.get_by_test_id("reply-send").click()
    expect(desk.get_by_test_id("agent-line-agent")).to_contain_text("客服小周")
    shoot(screenshot, desk, "service-2-agent-console")

    expect(shopper.get_by_test_id("line-agent")).to_contain_text("客服小周", **WAIT)
    desk.get_by_test_id("close").click()
    expect(desk.get_by_text("会话已结束，已请顾客评价。")).to_be_visible()

    form = shopper.get_by_test_id("rate-form")
    expect(form).to_be_visible(**WAIT)
    form.get_by_test_id("rate-5").check()
    form.get_by_label("评价（选填）").fill("回复很快")
    shoot(screenshot, shopper, "service-3-rate")
    form.get_by_test_id("rate-submit").click()

    expect(shopper.get_by_text("感谢您的评价！")).to_be_visible()
    expect(shopper.get_by_test_id("rated")).to_have_text("您的评分：5 ★")
    rated = Conversation.objects.get(organization=merchant)
    assert (rated.status, rated.rating, rated.rating_comment) == ("closed", 5, "回复很快")
