"""The refusal envelope: `details` appears only when a service gives typed values."""

from omniretail.core.errors import Conflict, field_error


def test_an_error_without_details_keeps_the_three_key_envelope():
    assert field_error("seq", "序号须为正整数。").as_dict() == {
        "error": {
            "code": "validation_failed",
            "message": "序号须为正整数。",
            "fields": {"seq": ["序号须为正整数。"]},
        }
    }


def test_details_are_rendered_as_given():
    error = Conflict("已过期", code="stale_sequence", details={"last_seq": 41})
    assert error.as_dict()["error"]["details"] == {"last_seq": 41}
