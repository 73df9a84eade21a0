"""A retailer joins through the pages: the form with its licence photo, a refused field shown
with everything typed kept, the platform's review page and reward settings, the state and
reason on the applicant's page, and the licence photo shown only to them and the platform."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from omniretail.accounts.models import User
from omniretail.ledger.models import Posting
from omniretail.supply import onboarding
from omniretail.supply.models import MerchantApplication
from omniretail.supply.tests.test_onboarding import CODE, form, licence_jpeg

JOIN = reverse("web:supply_join")


@pytest.fixture
def applicant(db):
    return User.objects.create(username="m13900001234", phone="13900001234")


def _submit(client, **changes):
    return client.post(JOIN, {**form(**changes), "licence_photo": licence_jpeg()})


def test_a_bad_code_is_shown_on_the_form_and_nothing_is_written(client, applicant):
    assert JOIN in client.get(reverse("web:supply_register")).content.decode()
    client.force_login(applicant)
    page = client.get(JOIN)
    assert page.status_code == 200 and b'data-testid="join-form"' in page.content

    response = _submit(client, credit_code=CODE[:17] + "X")
    assert response.status_code == 422
    html = response.content.decode()
    assert "统一社会信用代码校验位不正确" in html
    assert "杭州西湖鲜果超市有限公司" in html  # what was typed stays
    assert not MerchantApplication.objects.exists()


def test_apply_review_and_go_live_through_the_pages(client, applicant, platform_staff):
    client.force_login(platform_staff)
    client.post(reverse("web:supply_joining_reward"), {"points": "3000", "fee_waiver_days": "60"})

    client.force_login(applicant)
    assert _submit(client).status_code == 302
    application = MerchantApplication.objects.get()
    page = client.get(JOIN).content.decode()
    assert "待审核" in page and b'data-testid="join-form"' not in page.encode()
    licence = client.get(reverse("web:supply_join_licence", args=[application.public_id]))
    assert licence.status_code == 200 and licence["Content-Type"] == "image/jpeg"
    assert client.get(f"/media/{application.licence_photo}").status_code == 404

    stranger = User.objects.create(username="m13900009999", phone="13900009999")
    client.force_login(stranger)
    licence = client.get(reverse("web:supply_join_licence", args=[application.public_id]))
    assert licence.status_code == 404

    client.force_login(platform_staff)
    desk = client.get(reverse("web:supply_review")).content.decode()
    assert reverse("web:supply_review_merchants") in desk
    queue = client.get(reverse("web:supply_review_merchants")).content.decode()
    assert "杭州西湖鲜果超市有限公司" in queue and CODE in queue
    decide = reverse("web:supply_decide_merchant", args=[application.public_id])
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    # the same button pressed again: refused with a message, no second reward
    again = client.post(decide, {"decision": "approve"}, HTTP_REFERER="/supply/review/merchants/")
    assert again.status_code == 302
    assert "找不到该申请" in " ".join(str(m) for m in get_messages(again.wsgi_request))
    application.refresh_from_db()
    assert onboarding.merchant_points_account(application.organization).balance == 3000
    assert Posting.objects.filter(kind=onboarding.REWARD_KIND).count() == 1

    client.force_login(applicant)
    page = client.get(JOIN).content.decode()
    assert "已通过" in page and "3000 平台积分" in page
    assert client.get(reverse("web:m_dashboard")).status_code == 200


def test_the_applicant_sees_the_reason_and_may_apply_again(client, applicant, platform_staff):
    client.force_login(applicant)
    _submit(client)
    application = MerchantApplication.objects.get()
    client.force_login(platform_staff)
    decide = reverse("web:supply_decide_merchant", args=[application.public_id])
    client.post(decide, {"decision": "reject", "reason": "营业执照照片不清晰，请重新拍摄"})

    client.force_login(applicant)
    page = client.get(JOIN).content.decode()
    assert "已驳回" in page and "营业执照照片不清晰，请重新拍摄" in page
    assert 'data-testid="join-form"' in page
