"""The long poll served as uvicorn serves it (omniretail.asgi): a waiting counter holds up
neither the other counters nor anybody else's requests."""

import asyncio
import time

import pytest

from omniretail.core.tests.test_asgi import asgi_request

pytestmark = pytest.mark.django_db(transaction=True)


def test_waiting_counters_hold_up_no_other_request(counter_setup):
    auth = [(b"authorization", counter_setup.device_headers["Authorization"].encode())]

    async def poll():
        answer = await asgi_request("/api/counters/device/commands?wait=3", auth)
        return answer, time.monotonic()

    async def scenario():
        await asgi_request("/csrf/")  # the URLs and the API loaded before the clock starts
        started = time.monotonic()
        polls = [asyncio.create_task(poll()) for _ in range(2)]
        await asyncio.sleep(0.5)
        page = await asgi_request("/csrf/")
        page_done = time.monotonic()
        answers = await asyncio.gather(*polls)
        return page, page_done, answers, started

    page, page_done, answers, started = asyncio.run(scenario())
    assert page["status"] == 204
    assert page_done < min(done for _answer, done in answers)  # while both still waited
    assert [a["status"] for a, _done in answers] == [200, 200]
    assert all(a["body"] == b'{"commands": []}' for a, _done in answers)
    # the two 3 s waits ran side by side: one after the other they take 6 s at least
    assert max(done for _answer, done in answers) - started < 6
