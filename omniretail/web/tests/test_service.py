"""Customer service on the pages: the shopper's chat (htmx), the agent console beside the
member's orders, the knowledge-base import's row errors, complaints filed and answered."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from omniretail.accounts.models import Membership, User
from omniretail.conftest import make_staff
from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale
from omniretail.service import chat, demo
from omniretail.service.models import Complaint, FaqEntry

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member(db):
    return User.objects.create(username="m13800138000", phone="13800138000")


@pytest.fixture
def kb(platform, platform_staff):
    demo.load_kb(actor=platform_staff, organization=platform, entries=demo.PLATFORM_KB)
    return platform


@pytest.fixture
def agent(merchant, store):
    """A customer-service member of a merchant with a store (the console needs one)."""
    return make_staff(merchant, "cs-zhou", role=Membership.Role.CUSTOMER_SERVICE)


def test_me_page_leads_to_customer_service(member, platform):
    page = client_for(member).get("/me/")

    assert 'data-testid="customer-service"' in page.text
    assert client_for(member).get("/service/").status_code == 200


def test_the_bot_answers_in_the_chat_and_a_long_message_is_refused_in_place(member, kb):
    shopper = client_for(member)

    answered = shopper.post("/service/ask/", {"text": "运费怎么算？"}, **HTMX)
    refused = shopper.post("/service/ask/", {"text": "啊" * 2001}, **HTMX)

    assert answered.status_code == 200
    assert "满 59 元免运费" in answered.text and 'id="chat"' in answered.text
    assert refused.status_code == 422
    assert "不能超过 2000 个字" in refused.text and 'id="chat"' in refused.text


def test_the_agent_sees_the_members_recent_orders_beside_the_conversation(
    member, kb, merchant, merchant_staff, agent, shop
):
    sku = shop.mask.skus.order_by("price").first()
    location = inventory.location_for_store(shop.near_store)
    inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=5)
    order = ring_up_sale(
        staff=merchant_staff, store=shop.near_store, lines=[(sku, 1)], shopper=member
    )
    chat.heartbeat(agent=agent)
    client_for(member).post("/service/ask/", {"text": "转人工", "org": merchant.public_id})
    console = client_for(agent)

    queue = console.get("/merchant/service/queue/")
    conversation = chat.open_conversation(shopper=member, organization=merchant)
    page = console.get(f"/merchant/service/c/{conversation.public_id}/")

    assert 'data-testid="my-conversation"' in queue.text  # assigned round robin
    assert page.status_code == 200
    assert order.number in page.text


def test_a_csv_with_bad_rows_shows_each_rows_error_and_imports_nothing(merchant, agent):
    bad = "question,answer\n停车怎么收费,满 100 元免费\n,没有问题\n会员日,\n"
    upload = SimpleUploadedFile("faq.csv", bad.encode(), content_type="text/csv")

    page = client_for(agent).post(
        "/merchant/service/faq/import/", {"organization": merchant.public_id, "file": upload}
    )

    assert page.status_code == 422
    assert "第 3 行" in page.text and "第 4 行" in page.text
    assert not FaqEntry.objects.exists()


def test_a_shopper_complains_about_a_merchant_and_the_merchant_answers(member, merchant, agent):
    filed = client_for(member).post(
        "/service/complaints/new/",
        {"about": "merchant", "target": merchant.public_id, "text": "电话一直没人接"},
    )
    complaint = Complaint.objects.get()
    answered = client_for(agent).post(
        f"/merchant/complaints/{complaint.public_id}/answer/", {"answer": "抱歉，已增加接线人手"}
    )
    seen = client_for(member).get(f"/service/complaints/{complaint.public_id}/")

    assert filed.status_code == 302 and answered.status_code == 302
    assert complaint.order is None
    assert "抱歉，已增加接线人手" in seen.text and "商家已答复" in seen.text


def test_the_complaint_form_offers_my_orders_and_files_one_about_an_order(
    member, merchant, merchant_staff, shop
):
    sku = shop.mask.skus.order_by("price").first()
    location = inventory.location_for_store(shop.near_store)
    inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=5)
    order = ring_up_sale(
        staff=merchant_staff, store=shop.near_store, lines=[(sku, 1)], shopper=member
    )
    shopper = client_for(member)

    form = shopper.get("/service/complaints/")
    filed = shopper.post(
        "/service/complaints/new/",
        {
            "about": "order",
            "target_order": order.public_id,
            "target_merchant": "",
            "text": "面膜少了一片",
        },
    )
    empty = shopper.post("/service/complaints/new/", {"about": "store", "text": "门口太脏"})

    assert order.number in form.text
    assert filed.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.order, complaint.store, complaint.merchant) == (
        order,
        shop.near_store,
        merchant,
    )
    assert empty.status_code == 422 and "请选择投诉的订单、门店或商家" in empty.text
