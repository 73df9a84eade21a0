"""A reference card terminal in the standard library only, as a hardware maker's would be
written from docs/terminal-protocol.md: it fetches its next job, "reads a card" and reports
the outcome; a report whose answer is lost is sent again, unchanged."""

import json
import secrets
import time
import urllib.error
import urllib.request
from decimal import Decimal


class TerminalSim:
    def __init__(
        self,
        url: str,
        credential: str,
        *,
        card: str = "6222021234567890",
        scheme: str = "UnionPay",
        decline_above: Decimal | None = None,
        log=print,
    ):
        self.url = url.rstrip("/")
        self.credential = credential
        self.card, self.scheme = card, scheme
        self.decline_above = decline_above
        self.log = log
        self.reports: dict[str, dict] = {}  # job id -> the report sent (resent unchanged)

    def _call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Terminal {self.credential}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def decide(self, job: dict) -> dict:
        """The card's answer: approved unless over `decline_above`."""
        amount = Decimal(job["amount"])
        approved = self.decline_above is None or amount <= self.decline_above
        report = {
            "outcome": "approved" if approved else "declined",
            "amount": job["amount"],
            "terminal_reference": f"T{int(time.time())}{secrets.randbelow(10**6):06d}",
        }
        if approved:
            report["card"] = {"scheme": self.scheme, "last4": self.card[-4:]}
            report["auth_code"] = f"{secrets.randbelow(10**6):06d}"
        else:
            report["reason"] = "超出卡片限额"
        return report

    def step(self) -> dict | None:
        """Fetch one job and report it; the job's final state, or None when idle."""
        status, job = self._call("GET", "/api/terminals/device/jobs/next")
        if status == 204 or job is None:
            return None
        if status != 200:
            raise RuntimeError(f"next job refused: {status} {job}")
        report = self.reports.setdefault(job["id"], self.decide(job))
        status, answer = self._call(
            "POST", f"/api/terminals/device/jobs/{job['id']}/result", report
        )
        if status != 200:
            self.log(f"job {job['id']} report refused: {status} {answer}")
            return answer
        done = answer["job"]
        self.log(f"{done['kind']} ¥{done['amount']} {done['status']}")
        return done

    def run(self, *, interval: float = 1.0, seconds: float | None = None) -> None:
        stop = time.monotonic() + seconds if seconds is not None else None
        while stop is None or time.monotonic() < stop:
            if self.step() is None:
                time.sleep(interval)
