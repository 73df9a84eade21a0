"""Two real Chromium pages in one group on `omniretail serve` (uvicorn, the ASGI process
production runs; Django's live server speaks no WebSocket): a message from one appears in
the other over the socket (the other page asks the poller for nothing meanwhile: no timing,
which a loaded machine breaks), a product card opens the product, and a muted member cannot
post (the socket's error frame is shown, nothing is written)."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from omniretail.accounts.models import Membership, User
from omniretail.community import services
from omniretail.community.models import Message
from omniretail.conftest import make_staff
from omniretail.testing.browser import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, server, user):
    """A phone-sized context carrying the user's session cookie (the process shares the
    test database and, given below, its SECRET_KEY)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": server.url,
            }
        ]
    )
    return context


def test_two_members_chat_live_share_a_product_and_a_muted_member_cannot_post(
    serve, browser, platform, sku, screenshot
):
    make_staff(platform, "admin-wang", role=Membership.Role.OWNER)
    tea = User.objects.create(username="m13900000301", phone="13900000301", display_name="茶姐")
    ming = User.objects.create(username="m13900000302", phone="13900000302", display_name="阿明")
    group = services.create_group(creator=tea, name="龙井茶友群", scope="platform")
    services.join(user=ming, group=group)
    product = sku.product
    # DEBUG: static files from the finders, unhashed, with no collectstatic (minutes here)
    server = serve(SECRET_KEY=settings.SECRET_KEY, DEBUG="1")
    chat_url = f"{server.url}/community/g/{group.public_id}/"

    a_context, b_context = signed_in(browser, server, tea), signed_in(browser, server, ming)
    a, b = a_context.new_page(), b_context.new_page()
    try:
        a.goto(chat_url)
        b.goto(chat_url)
        expect(a.get_by_test_id("socket-state")).to_have_text("socket")
        expect(b.get_by_test_id("socket-state")).to_have_text("socket")
        poll_url = f"/community/g/{group.public_id}/messages/"
        polls = []
        b.on("request", lambda r: poll_url in r.url and polls.append(r.url))

        a.get_by_test_id("text").fill("@阿明 明前龙井到了，周六一起去门店试喝？")
        a.get_by_test_id("send").click()
        expect(b.get_by_test_id("line-text").last).to_have_text(
            "@阿明 明前龙井到了，周六一起去门店试喝？", timeout=10_000
        )
        shoot(screenshot, b, "community-1-live-message")

        a.goto(f"{server.url}/community/share/?product={product.public_id}")
        a.get_by_test_id("share-to").click()
        a.wait_for_url(chat_url)
        card = b.get_by_test_id("card").last
        expect(card).to_contain_text(product.name, timeout=10_000)
        assert polls == []  # both arrived over the socket
        card.click()
        b.wait_for_url(f"**/p/{product.public_id}/")
        expect(b.get_by_role("heading", name=product.name).first).to_be_visible()

        a.goto(f"{server.url}/community/g/{group.public_id}/members/")
        row = a.get_by_test_id("member").filter(has_text="阿明")
        row.get_by_test_id("mute").click()
        expect(a.get_by_test_id("members").filter(has_text="禁言至")).to_be_visible()

        b.goto(chat_url)
        expect(b.get_by_test_id("muted")).to_contain_text("您已被禁言至")
        expect(b.get_by_test_id("socket-state")).to_have_text("socket")
        b.get_by_test_id("text").fill("为什么不让我说话")
        b.get_by_test_id("send").click()
        expect(b.get_by_test_id("socket-error")).to_contain_text("您已被禁言至")
        shoot(screenshot, b, "community-2-muted")
    finally:
        a_context.close()
        b_context.close()
    assert not Message.objects.filter(author=ming).exists()
    assert Message.objects.filter(author=tea).count() == 2
