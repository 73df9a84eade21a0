"""What browser tests of several apps do on a page: sign in as a shopper or a staff member,
and take a full-page screenshot."""

import re

from playwright.sync_api import expect

from omniretail.conftest import STAFF_PASSWORD
from omniretail.core.sms import read_sms_file


def shoot(screenshot, page, name: str) -> None:
    """Grow the viewport to the whole page first, so the sticky tab bar is drawn at the
    bottom of the picture instead of over the middle of a full-page capture."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(height, 844)})
    screenshot(page, name)
    page.set_viewport_size({"width": page.viewport_size["width"], "height": 844})


def staff_login(page, url: str, username: str) -> None:
    """Sign a staff member in with the password on the login page's staff tab."""
    page.goto(url + "/login/")
    page.get_by_test_id("staff-tab").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/")


def sms_login(page, phone: str) -> None:
    """Sign a shopper in with the code the SMS file received."""
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", read_sms_file(phone)[-1]["text"]).group(1)
    page.get_by_label("验证码").fill(code)
    page.get_by_test_id("consent").check()  # 用户协议 and 隐私政策, asked at the first sign-in
    page.get_by_role("button", name="登录").click()
