"""A retailer joins the online mall: the application with its licence photo and first store,
the platform's review, and the joining reward granted once when the merchant goes live."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from omniretail.accounts.models import Membership, Organization, User
from omniretail.conftest import make_staff
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniretail.ledger.models import Posting
from omniretail.notifications.models import Notification
from omniretail.stores import selectors as stores
from omniretail.stores.models import Store
from omniretail.supply import onboarding
from omniretail.supply.models import MerchantApplication

# Two real codes (Tencent, Alibaba) and one made for the tests, check digits per GB 32100-2015.
TENCENT = "9144030071526726XG"
ALIBABA = "91330100799655058B"
CODE = "91330106MA2H0LQ017"


def licence_jpeg(name="营业执照.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (800, 560), (250, 246, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 540), outline=(180, 30, 30), width=8)
    draw.rectangle((320, 60, 480, 110), fill=(180, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def form(**changes) -> dict:
    values = {
        "company_name": "杭州西湖鲜果超市有限公司",
        "credit_code": CODE,
        "store_name": "西湖鲜果（文三路店）",
        "store_address": "浙江省杭州市西湖区文三路 90 号",
        "store_phone": "0571-88001188",
        "lat": "30.2766",
        "lon": "120.1265",
    }
    values.update(changes)
    return values


def apply(user, files=None, **changes) -> MerchantApplication:
    return onboarding.apply(
        applicant=user,
        licence_files=[licence_jpeg()] if files is None else files,
        **form(**changes),
    )


@pytest.fixture
def applicant(db):
    return User.objects.create(username="m13900001234", phone="13900001234")


def test_the_check_digit_follows_gb_32100():
    assert onboarding.clean_credit_code(TENCENT.lower()) == TENCENT
    assert onboarding.clean_credit_code(ALIBABA) == ALIBABA
    assert onboarding.clean_credit_code(f" {CODE} ") == CODE
    wrong_digit = CODE[:17] + ("A" if CODE[17] != "A" else "B")
    for bad, message in (
        (wrong_digit, "校验位"),
        (CODE[:17], "18 位"),
        ("91330106MA2H0LQ0IO", "18 位"),  # I and O are not in the code's alphabet
        ("91AB0106MA2H0LQ01D", "18 位"),  # positions 3-8 are the division's digits
    ):
        with pytest.raises(ValidationFailed) as exc:
            onboarding.clean_credit_code(bad)
        assert message in exc.value.fields["credit_code"][0]


def test_an_application_keeps_the_reencoded_licence_and_writes_nothing_else(applicant, settings):
    application = apply(applicant)
    assert application.status == MerchantApplication.Status.PENDING
    assert application.licence_photo.startswith("private/licences/")
    assert (Path(settings.MEDIA_ROOT) / application.licence_photo).exists()
    assert not Organization.objects.filter(kind=Organization.Kind.MERCHANT).exists()
    assert not Store.objects.exists()


def test_bad_fields_are_all_named_and_nothing_is_written(applicant, settings):
    with pytest.raises(ValidationFailed) as exc:
        apply(
            applicant,
            files=[],
            credit_code="91330106MA2H0LQ01A",
            store_phone="12345",
            store_address="",
            lat="north",
        )
    assert set(exc.value.fields) == {
        "credit_code",
        "store_phone",
        "store_address",
        "lat",
        "licence_photo",
    }
    text = SimpleUploadedFile("licence.jpg", b"not a picture", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as exc:
        apply(applicant, files=[text])
    assert "licence_photo" in exc.value.fields
    assert not MerchantApplication.objects.exists()
    media = Path(settings.MEDIA_ROOT) / "private" / "licences"
    assert not media.exists() or not any(media.iterdir())


def test_one_live_application_per_credit_code(applicant, settings):
    apply(applicant)
    other = User.objects.create(username="m13900005678", phone="13900005678")
    with pytest.raises(Conflict) as exc:
        apply(other)
    assert "credit_code" in exc.value.fields
    assert MerchantApplication.objects.count() == 1
    assert len(list((Path(settings.MEDIA_ROOT) / "private" / "licences").iterdir())) == 1


def test_one_pending_application_per_applicant(applicant):
    apply(applicant)
    with pytest.raises(Conflict) as exc:
        apply(applicant, credit_code=TENCENT)
    assert exc.value.code == "application_pending"
    assert MerchantApplication.objects.count() == 1


def test_a_rejection_needs_a_reason_and_the_applicant_may_apply_again(applicant, platform_staff):
    application = apply(applicant)
    with pytest.raises(ValidationFailed):
        onboarding.review(actor=platform_staff, application=application, approve=False)
    onboarding.review(
        actor=platform_staff, application=application, approve=False, reason="执照照片模糊"
    )
    mine = onboarding.application_of(applicant)
    assert (mine.status, mine.reason) == ("rejected", "执照照片模糊")
    assert not Organization.objects.filter(kind=Organization.Kind.MERCHANT).exists()
    again = apply(applicant)
    assert onboarding.application_of(applicant) == again


def test_only_the_platform_reviews(applicant, platform, merchant):
    application = apply(applicant)
    owner = make_staff(merchant, "boss", role=Membership.Role.OWNER)
    with pytest.raises(PermissionDenied):
        onboarding.review(actor=owner, application=application, approve=True)
    with pytest.raises(PermissionDenied):
        onboarding.configure_reward(actor=owner, points=1, fee_waiver_days=1)


def test_approval_opens_the_merchant_and_grants_the_reward_once(applicant, platform_staff):
    onboarding.configure_reward(actor=platform_staff, points=5000, fee_waiver_days=90)
    application = apply(applicant)
    assert Notification.objects.filter(
        organization__kind="platform", link="/supply/review/merchants/"
    ).exists()
    onboarding.review(actor=platform_staff, application=application, approve=True)
    assert Notification.objects.filter(user=applicant, link="/supply/join/").exists()

    org = application.organization
    assert (org.kind, org.name) == ("merchant", "杭州西湖鲜果超市有限公司")
    assert Membership.objects.get(organization=org).user == applicant
    assert Membership.objects.get(organization=org).role == Membership.Role.OWNER
    store = Store.objects.get(merchant=org)
    assert (store.name, store.phone, store.is_active) == (
        "西湖鲜果（文三路店）",
        "0571-88001188",
        True,
    )
    nearby = stores.nearby_stores(lat="30.2770", lon="120.1270", radius_m=1000)
    assert [n.store for n in nearby] == [store]  # live: found on the mall's nearby search
    assert application.reward_points == 5000
    assert application.fee_waived_until == timezone.localdate() + timedelta(days=90)
    assert onboarding.merchant_points_account(org).balance == 5000

    # approving again is refused; granting again (a retry) changes nothing
    with pytest.raises(Conflict):
        onboarding.review(actor=platform_staff, application=application, approve=True)
    onboarding.configure_reward(actor=platform_staff, points=8000, fee_waiver_days=30)
    assert onboarding.grant_joining_reward(application) is False
    application.refresh_from_db()
    assert (application.reward_points, application.fee_waived_until) == (
        5000,
        timezone.localdate() + timedelta(days=90),
    )
    assert onboarding.merchant_points_account(org).balance == 5000
    assert Posting.objects.filter(kind=onboarding.REWARD_KIND).count() == 1


def test_no_reward_before_the_merchant_is_live(applicant):
    application = apply(applicant)
    with pytest.raises(Conflict):
        onboarding.grant_joining_reward(application)


def test_reward_settings_are_checked(platform_staff):
    with pytest.raises(ValidationFailed) as exc:
        onboarding.configure_reward(actor=platform_staff, points="-5", fee_waiver_days="十")
    assert set(exc.value.fields) == {"points", "fee_waiver_days"}
    assert onboarding.reward_config().points == 0
