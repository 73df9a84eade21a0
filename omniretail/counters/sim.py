"""A counter in software, speaking the device protocol over HTTP exactly as hardware would
(docs/counter-protocol.md): heartbeats and events with a persistent sequence number, long-
polled commands verified (HMAC, expiry, counter, nonce) before anything moves, a door that
opens for an unlock and reports the bays' contents when it closes, a repair vehicle's lock that
opens for a release and reports the vehicle gone (`vehicle_left`), and a camera that attaches a
JPEG to the door and vehicle events. Standard library only (the camera's frame is drawn with
Pillow, imported only when a camera is on), so it doubles as the reference client for
hardware makers.

Behaviour is steered through a control file re-read on every loop, so a test or a demo can
change it while the process runs: {"offline": true} stops all traffic, {"leave_door_open":
true} keeps the door open after an unlock, {"take": {"1": 0}} takes that many items from a
bay instead of what was paid for, {"fault": "motor jammed"} reports a fault (a reason
starting with "tamper" a camera/tamper alarm) and removing it reports the fault cleared,
{"camera": true} sends a snapshot after each `door_opened` and `vehicle_left`."""

import hashlib
import hmac
import io
import json
import os
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path

RETRIES = 5
KINDS = ("unlock", "release", "show_content", "reboot")  # protocol v1; anything else is refused


def camera_frame(caption: str = "", size: tuple[int, int] = (640, 360)) -> bytes:
    """A camera still as the protocol wants it: a real JPEG (well under 1 MB), a scene with
    a caption, drawn by Pillow."""
    from PIL import Image, ImageDraw

    frame = Image.new("RGB", size, (52, 64, 84))
    draw = ImageDraw.Draw(frame)
    width, height = size
    draw.rectangle((width // 8, height // 3, width * 7 // 8, height - 10), fill=(150, 150, 140))
    draw.ellipse((width // 4, height // 2, width // 4 + 60, height // 2 + 60), fill=(20, 20, 20))
    draw.text((10, 10), caption or time.strftime("%Y-%m-%d %H:%M:%S"), fill=(255, 255, 255))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=80)
    return out.getvalue()


def multipart(field: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    """One file as `multipart/form-data` (RFC 7578): the body and its Content-Type."""
    boundary = "omni-" + secrets.token_hex(12)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


class CounterSim:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        command_key: str,
        state_path: str | None = None,
        control_path: str | None = None,
        log=print,
    ):
        self.base = base_url.rstrip("/") + "/api/counters/device"
        self.token = token
        self.key = bytes.fromhex(command_key)
        self.state_path = Path(state_path) if state_path else None
        self.control_path = Path(control_path) if control_path else None
        self.log = log
        self.state = {"seq": 0, "bays": None, "nonces": {}, "door_open": False, "content": {}}
        if self.state_path and self.state_path.exists():
            self.state.update(json.loads(self.state_path.read_text()))
        self.code = ""

    # ------------------------------------------------------------ plumbing

    def _save(self) -> None:
        if self.state_path:
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.state))
            os.replace(tmp, self.state_path)

    def control(self) -> dict:
        if self.control_path and self.control_path.exists():
            try:
                return json.loads(self.control_path.read_text() or "{}")
            except ValueError:
                return {}
        return {}

    def request(self, method: str, path: str, body=None, timeout: float = 30) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Counter {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def upload(self, path: str, body: bytes, content_type: str) -> tuple[int, dict]:
        req = urllib.request.Request(self.base + path, data=body, method="POST")
        req.add_header("Authorization", f"Counter {self.token}")
        req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    # ------------------------------------------------------------ device -> server

    def start(self) -> None:
        """Learn the code, bays and last accepted sequence number; a fresh device trusts the
        ledger's quantities and continues above the server's sequence number."""
        status, config = self.request("GET", "/config")
        if status != 200:
            raise RuntimeError(f"config refused: {status} {config}")
        self.code = config["code"]
        expires_at = (config.get("credential") or {}).get("expires_at")
        if expires_at:  # a newer credential was issued: it must be installed before then
            self.log(json.dumps({"credential_expires_at": expires_at}))
        if self.state["seq"] < config["last_seq"]:  # storage lost or restored from an old image
            self.state["seq"] = config["last_seq"]
            self._save()
        if self.state["bays"] is None:
            self.state["bays"] = {b["bay"]: b["on_hand"] for b in config["bays"]}
            self._save()

    def send(self, kind: str, data: dict | None = None) -> tuple[int, dict]:
        """Take the next sequence number (persisted first), then deliver with retries: a
        retry reuses the number, so the server counts the event once."""
        self.state["seq"] += 1
        self._save()
        body = {"seq": self.state["seq"], "kind": kind, "at": int(time.time()), "data": data or {}}
        for attempt in range(RETRIES):
            try:
                return self.request("POST", "/events", body)
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                time.sleep(0.2 * (attempt + 1))
        raise RuntimeError("server unreachable")

    def snapshot(self, seq: int, image: bytes | None = None) -> tuple[int, dict]:
        """Attach a camera frame to event `seq`, sent before; a retry after a lost answer
        is safe (the server keeps the first)."""
        image = image or camera_frame(f"{self.code} #{seq}")
        body, content_type = multipart("image", f"{seq}.jpg", image, "image/jpeg")
        for attempt in range(RETRIES):
            try:
                return self.upload(f"/events/{seq}/snapshot", body, content_type)
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                time.sleep(0.2 * (attempt + 1))
        raise RuntimeError("server unreachable")

    def capture(self, answer: tuple[int, dict]) -> None:
        """With the camera on, a frame for the event just accepted."""
        if answer[0] == 200 and not answer[1].get("duplicate") and self.control().get("camera"):
            status, _body = self.snapshot(answer[1]["seq"])
            self.log(json.dumps({"snapshot": answer[1]["seq"], "status": status}))

    def heartbeat(self) -> tuple[int, dict]:
        return self.send("heartbeat", {"door": "open" if self.state["door_open"] else "closed"})

    def contents(self) -> list[dict]:
        return [{"bay": bay, "quantity": q} for bay, q in sorted(self.state["bays"].items())]

    def close_door(self) -> tuple[int, dict]:
        self.state["door_open"] = False
        self._save()
        return self.send("door_closed", {"bays": self.contents()})

    def report_fault(self, reason: str | None) -> None:
        """Report a fault once when the control file names one, and its clearing once."""
        if reason and reason != self.state.get("fault"):
            kind = "tamper" if reason.startswith("tamper") else "fault"
            self.send(kind, {"reason": reason})
        elif not reason and self.state.get("fault"):
            self.send("fault_cleared", {})
        if (reason or None) != self.state.get("fault"):
            self.state["fault"] = reason or None
            self._save()

    # ------------------------------------------------------------ server -> device

    def verify(self, wire: dict) -> str:
        """'' when the command may run; otherwise why it is refused."""
        envelope, signature = wire.get("command") or {}, wire.get("signature") or ""
        canonical = json.dumps(
            envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        expected = hmac.new(self.key, canonical, hashlib.sha256).hexdigest()
        if envelope.get("key_id") != self.token.partition(".")[0]:
            return "bad_signature"  # signed for another credential's key: not ours to check
        if not hmac.compare_digest(expected, signature):
            return "bad_signature"
        if envelope.get("counter") != self.code:
            return "wrong_counter"
        if int(envelope.get("expires_at", 0)) < time.time():
            return "expired"
        if envelope.get("v") != 1:
            return "unsupported_version"
        if envelope.get("kind") not in KINDS:
            return "unknown_kind"
        return ""

    def ack(self, command_id: str, status: str, reason: str = "") -> None:
        self.request("POST", f"/commands/{command_id}/ack", {"status": status, "reason": reason})

    def handle(self, wire: dict) -> str:
        envelope = wire.get("command") or {}
        command_id, nonce = envelope.get("id", ""), envelope.get("nonce", "")
        refusal = self.verify(wire)
        if refusal:
            self.log(json.dumps({"refused": command_id, "reason": refusal}))
            self.ack(command_id, "rejected", refusal)
            return refusal
        if nonce in self.state["nonces"]:
            # seen before: never act twice; repeat the answer (the first ack may be lost)
            self.log(json.dumps({"replay_ignored": command_id}))
            self.ack(command_id, self.state["nonces"][nonce]["status"], "replay")
            return "replay"
        self.state["nonces"][nonce] = {"status": "done", "exp": envelope["expires_at"]}
        now = time.time()
        self.state["nonces"] = {
            n: v for n, v in self.state["nonces"].items() if v["exp"] > now - 3600
        }
        self._save()
        kind, args = envelope["kind"], envelope.get("args") or {}
        self.ack(command_id, "done")
        self.log(json.dumps({"executed": command_id, "kind": kind}))
        if kind == "unlock":
            self.vend(str(args["bay"]), int(args["quantity"]))
        elif kind == "release":  # the vehicle's lock opens and the shopper rides it away
            self.capture(self.send("vehicle_left", {"ticket": str(args["ticket"])}))
        elif kind == "show_content":
            self.state["content"] = args.get("content") or {}
            self._save()
        return ""

    def vend(self, bay: str, paid: int) -> None:
        """The door opens, the shopper takes goods (what was paid unless told otherwise),
        the door closes and the counter reports what is left in every bay."""
        self.state["door_open"] = True
        self._save()
        self.capture(self.send("door_opened", {"bay": bay}))
        control = self.control()
        wanted = int((control.get("take") or {}).get(bay, paid))
        taken = max(0, min(wanted, self.state["bays"].get(bay, 0)))
        self.state["bays"][bay] = self.state["bays"].get(bay, 0) - taken
        self._save()
        if not control.get("leave_door_open"):
            self.close_door()

    def poll(self, wait: int) -> int:
        status, body = self.request("GET", f"/commands?wait={wait}", timeout=wait + 10)
        if status != 200:
            self.log(json.dumps({"poll_refused": status, "body": body}))
            return 0
        for wire in body.get("commands", []):
            self.handle(wire)
        return len(body.get("commands", []))

    # ------------------------------------------------------------ main loop

    def run(self, *, interval: float = 10, wait: int = 2, seconds: float | None = None) -> None:
        self.start()
        self.log(json.dumps({"started": self.code, "seq": self.state["seq"]}))
        end = time.monotonic() + seconds if seconds else None
        next_beat = 0.0
        while end is None or time.monotonic() < end:
            control = self.control()
            if control.get("offline"):
                time.sleep(0.2)
                continue
            if self.state["door_open"] and not control.get("leave_door_open"):
                self.close_door()
            self.report_fault(control.get("fault"))
            if time.monotonic() >= next_beat:
                self.heartbeat()
                next_beat = time.monotonic() + interval
            try:
                self.poll(wait)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                self.log(json.dumps({"poll_error": str(exc)}))
                time.sleep(1)
