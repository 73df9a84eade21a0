"""The SMS code typed on a counter's screen cannot be guessed: after a few wrong codes the
counter (and the client sending them) gets a 429 with Retry-After, even for the right code."""

import re

import pytest
from django.conf import settings
from django.utils import timezone

from omniretail.core.sms import read_sms_file
from omniretail.counters.models import Command, Counter, Vend

URL = "/api/counters/device/unlock-code"


@pytest.fixture
def awaiting_code(counter_setup, api_client, django_capture_on_commit_callbacks):
    setup = counter_setup
    Counter.objects.filter(pk=setup.counter.pk).update(
        status=Counter.Status.ONLINE, last_seen_at=timezone.now()
    )  # heard from just now
    with django_capture_on_commit_callbacks(execute=True):
        resp = api_client(setup.member).post(
            f"/api/counters/{setup.counter.code}/purchases",
            {"bay": "1", "quantity": 1, "authorise": "code"},
            headers={"Idempotency-Key": "code-vend"},
        )
    assert resp.status_code == 201, resp.json()
    text = next(m["text"] for m in read_sms_file(setup.member.phone) if "开柜验证码" in m["text"])
    return setup, re.search(r"开柜验证码 (\d{6})", text).group(1)


def test_guessing_unlock_codes_is_cut_off_with_a_429_even_for_the_right_code(
    awaiting_code, api_client
):
    setup, code = awaiting_code
    device = api_client()
    headers = setup.device_headers
    guesses = [f"{(int(code) + n) % 10**6:06d}" for n in range(1, 8)]
    statuses = [device.post(URL, {"code": g}, headers=headers).status_code for g in guesses]
    limit = int(settings.OMNI_COUNTER_CODE_RATE_PER_COUNTER.split("/")[0])
    assert statuses == [422] * limit + [429] * (len(guesses) - limit)
    right = device.post(URL, {"code": code}, headers=headers)
    assert right.status_code == 429
    assert right.json()["error"]["code"] == "rate_limited"
    assert int(right.headers["Retry-After"]) > 0
    assert Vend.objects.get().status == Vend.Status.AWAITING_CODE
    assert Command.objects.count() == 0


def test_right_codes_do_not_use_up_the_counters_allowance(awaiting_code, api_client, settings):
    settings.OMNI_COUNTER_CODE_RATE_PER_COUNTER = "1/600"
    setup, code = awaiting_code
    resp = api_client().post(URL, {"code": code}, headers=setup.device_headers)
    assert resp.status_code == 200 and resp.json()["status"] == "unlocking"
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert api_client().post(URL, {"code": wrong}, headers=setup.device_headers).status_code == 422
