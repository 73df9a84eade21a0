"""The simulator's own logic, speaking to the app through Django's test client instead of
a socket (the end-to-end test runs the real process over HTTP)."""

import json

from django.test import Client

from omniretail.counters.sim import CounterSim


class InProcessSim(CounterSim):
    def __init__(self, setup, **kwargs):
        super().__init__(
            base_url="", token=setup.token, command_key=setup.key, log=lambda _l: None, **kwargs
        )
        self.client = Client()
        self.take: dict = {}
        self.leave_door_open = False
        self.camera = False

    def control(self) -> dict:
        return {"take": self.take, "leave_door_open": self.leave_door_open, "camera": self.camera}

    def request(self, method, path, body=None, timeout=30):
        headers = {"Authorization": f"Counter {self.token}"}
        url = "/api/counters/device" + path
        if method == "GET":
            resp = self.client.get(url, headers=headers)
        else:
            resp = self.client.post(
                url, json.dumps(body), content_type="application/json", headers=headers
            )
        return resp.status_code, resp.json()

    def upload(self, path, body, content_type):
        resp = self.client.post(
            "/api/counters/device" + path,
            body,
            content_type=content_type,
            headers={"Authorization": f"Counter {self.token}"},
        )
        return resp.status_code, resp.json()
