"""Face verification as a step-up, behind a provider interface. Enrolment needs explicit
consent; deleting the enrolment deletes the template at the provider. The sandbox provider
finds the faces in the photo with OpenCV's bundled detector and takes only a photo with
exactly one; it keeps a keyed hash of the enrolment image and matches those bytes only (a
real provider, named by setting, does the 1:1 comparison)."""

import functools
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict, PermissionDenied, field_error
from omniretail.core.signing import sign
from omniretail.core.signing import verify as verify_signature
from omniretail.loyalty.models import FaceEnrolment


class FaceProvider(Protocol):
    name: str

    def enrol(self, *, user_id: str, image: bytes) -> str: ...

    def matches(self, *, user_id: str, template_ref: str, image: bytes) -> bool: ...

    def delete(self, *, template_ref: str) -> None: ...


@functools.cache
def _detector():
    import cv2  # loaded on the first face check, not by every process that imports loyalty

    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def faces_in(image: bytes) -> int:
    """How many frontal faces the photo holds; a ValidationFailed on `image` when the bytes
    are not a picture OpenCV can read."""
    import cv2
    import numpy

    picture = cv2.imdecode(numpy.frombuffer(image, numpy.uint8), cv2.IMREAD_GRAYSCALE)
    if picture is None:
        raise field_error("image", _("无法识别照片，请上传 JPEG 或 PNG 格式的人脸照片。"))
    scale = min(1.0, 1024 / max(picture.shape))  # big phone photos: same faces, less work
    if scale < 1.0:
        picture = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    side = max(40, min(picture.shape) // 8)  # a face smaller than this is not a portrait
    found = _detector().detectMultiScale(
        picture, scaleFactor=1.1, minNeighbors=5, minSize=(side, side)
    )
    return len(found)


def require_one_face(image: bytes) -> None:
    count = faces_in(image)
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
