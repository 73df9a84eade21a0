"""Knowledge bases: edited by the organisation's service staff, imported from CSV all or
nothing (each bad row listed), and used by the assistant at once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from omniretail.accounts.models import Membership
from omniretail.conftest import make_staff
from omniretail.service.models import FaqEntry


def _csv(text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("faq.csv", text.encode(encoding), content_type="text/csv")


GOOD = (
    "question,answer,phrasings,links\n"
    "湖滨优选可以寄存物品吗,收银台可免费寄存随身物品。,能寄存包吗|有寄存柜吗,\n"
    "停车怎么收费,购物满 100 元免费停车 2 小时。,停车免费吗|车停哪里,会员权益=/me/points/\n"
)


@pytest.fixture
def cs(merchant):
    return make_staff(merchant, "cs-agent", role=Membership.Role.CUSTOMER_SERVICE)


def test_a_csv_import_adds_the_answers_and_the_assistant_uses_them(api_client, merchant, cs):
    response = api_client(cs).post_form(
        "/api/service/faq/import",
        {"organization": merchant.public_id, "file": _csv(GOOD, "gb18030")},
    )
    shopper = get_user_model().objects.create(username="m13900000000", phone="13900000000")
    answer = (
        api_client(shopper)
        .post("/api/service/ask", {"text": "車停在哪裡？", "merchant": merchant.public_id})
        .json()
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0}
    assert "免费停车" in answer["messages"][-1]["text"]
    assert "/me/points/" in answer["messages"][-1]["text"]


def test_a_csv_with_bad_rows_lists_each_and_imports_nothing(api_client, merchant, cs):
    bad = (
        GOOD
        + ",没有问题的回答,,\n"
        + "停车怎么收费,重复的问题,,\n"
        + "会员日是哪天,,,\n"
        + "客服电话,请拨打,,javascript:alert(1)\n"
    )

    response = api_client(cs).post_form(
        "/api/service/faq/import", {"organization": merchant.public_id, "file": _csv(bad)}
    )

    assert response.status_code == 422
    rows = response.json()["error"]["fields"]["file"]
    assert [r.split("：")[0] for r in rows] == ["第 4 行", "第 5 行", "第 6 行", "第 7 行"]
    assert "请填写问题" in rows[0] and "重复" in rows[1] and "请填写回答" in rows[2]
    assert not FaqEntry.objects.exists()


def test_a_shop_assistant_may_not_edit_the_answers(api_client, merchant):
    clerk = make_staff(merchant, "clerk", role=Membership.Role.STAFF)

    response = api_client(clerk).post_form(
        "/api/service/faq/import", {"organization": merchant.public_id, "file": _csv(GOOD)}
    )

    assert response.status_code == 404
    assert not FaqEntry.objects.exists()
