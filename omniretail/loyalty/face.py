"""Face verification as a step-up, behind a provider interface. Enrolment needs explicit
consent; deleting the enrolment deletes the template at the provider. The sandbox provider
finds the faces in the photo with OpenCV's bundled detector and takes only a photo with
exactly one; it keeps a keyed hash of the enrolment image and matches those bytes only (a
real provider, named by setting, does the 1:1 comparison)."""

from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from omniretail.core import faces
from omniretail.core.errors import Conflict, PermissionDenied, field_error
from omniretail.core.signing import sign
from omniretail.core.signing import verify as verify_signature
from omniretail.loyalty.models import FaceEnrolment


class FaceProvider(Protocol):
    name: str

    def enrol(self, *, user_id: str, image: bytes) -> str: ...

    def matches(self, *, user_id: str, template_ref: str, image: bytes) -> bool: ...

    def delete(self, *, template_ref: str) -> None: ...


def require_one_face(image: bytes) -> None:
    count = faces.count(image)
    if count is None:
        raise field_error("image", _("无法识别照片，请上传 JPEG 或 PNG 格式的人脸照片。"))
    if count == 0:
        raise field_error("image", _("照片中未检测到人脸，请正对镜头、光线充足后重拍。"))
    if count > 1:
        raise field_error("image", _("照片中有多张人脸，请只拍本人。"))


class SandboxFaceProvider:
    """One face in the photo, then same image bytes = same face. For development and tests
    only."""

    name = "sandbox"

    def enrol(self, *, user_id: str, image: bytes) -> str:
        require_one_face(image)
        return sign(settings.SECRET_KEY, f"face:{user_id}:".encode() + image)

    def matches(self, *, user_id: str, template_ref: str, image: bytes) -> bool:
        require_one_face(image)
        return verify_signature(
            settings.SECRET_KEY, f"face:{user_id}:".encode() + image, template_ref
        )

    def delete(self, *, template_ref: str) -> None:
        return None


def provider() -> FaceProvider:
    return import_string(settings.OMNI_FACE_PROVIDER)()


def enrol(*, user, image: bytes, consent: bool) -> FaceEnrolment:
    if consent is not True:
        raise field_error("consent", _("开通人脸验证需要您明确同意。"))
    if not image:
        raise field_error("image", _("请上传人脸照片。"))
    p = provider()
    enrolment, _created = FaceEnrolment.objects.update_or_create(
        user=user,
        defaults={
            "provider": p.name,
            "template_ref": p.enrol(user_id=user.public_id, image=image),
            "consented_at": timezone.now(),
            "deleted_at": None,
        },
    )
    return enrolment


def verify(*, user, image: bytes) -> None:
    enrolment = FaceEnrolment.objects.filter(user=user, deleted_at__isnull=True).first()
    if enrolment is None or not enrolment.template_ref:
        raise Conflict(_("尚未开通人脸验证。"), code="face_not_enrolled")
    if not provider().matches(
        user_id=user.public_id, template_ref=enrolment.template_ref, image=image or b""
    ):
        raise PermissionDenied(_("人脸验证未通过。"), code="face_mismatch")


def delete(*, user) -> None:
    """Withdraw consent: the provider deletes the template and we forget its reference."""
    enrolment = FaceEnrolment.objects.filter(user=user, deleted_at__isnull=True).first()
    if enrolment is None:
        return
    provider().delete(template_ref=enrolment.template_ref)
    FaceEnrolment.objects.filter(pk=enrolment.pk).update(template_ref="", deleted_at=timezone.now())
