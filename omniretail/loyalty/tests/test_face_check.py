"""The face step-up refuses a photo that holds no face, or more than one (issue 17 item 9):
the sandbox provider used to take any bytes, so a photo of a shelf enrolled as a face. It now
finds faces with OpenCV's bundled detector before it enrols or compares; real 1:1
verification stays behind the provider interface."""

import base64

import pytest

from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.loyalty import exchange, face
from omniretail.loyalty.models import FaceEnrolment
from omniretail.testing.faces import PORTRAIT, not_an_image, shelf, someone_else, two_people

pytestmark = pytest.mark.django_db


def test_a_portrait_enrols_and_steps_up_and_another_face_is_refused(shopper):
    face.enrol(user=shopper, image=PORTRAIT, consent=True)
    assert exchange.verify_step_up_face(user=shopper, image=PORTRAIT).method == "face"
    with pytest.raises(PermissionDenied):
        exchange.verify_step_up_face(user=shopper, image=someone_else())


@pytest.mark.parametrize(
    ("photo", "says"),
    [(shelf, "未检测到人脸"), (two_people, "多张人脸"), (not_an_image, "无法识别")],
)
def test_a_photo_without_exactly_one_face_is_refused_on_its_field(shopper, photo, says):
    with pytest.raises(ValidationFailed) as refused:
        face.enrol(user=shopper, image=photo(), consent=True)
    assert says in str(refused.value.fields["image"])
    assert not FaceEnrolment.objects.filter(user=shopper).exists()


def test_a_step_up_with_a_faceless_photo_is_refused_on_its_field_not_as_a_mismatch(
    api_client, shopper
):
    face.enrol(user=shopper, image=PORTRAIT, consent=True)
    answer = api_client(shopper).post(
        "/api/loyalty/step-up/face", {"image": base64.b64encode(shelf()).decode()}
    )
    assert answer.status_code == 422
    assert "未检测到人脸" in str(answer.json()["error"]["fields"]["image"])
