"""Device protocol conformance (docs/counter-protocol.md): walks the server's side of the
protocol with a counter's credential, as a hardware maker's controller meets it, and says
pass, fail or skip per check: config, authentication, heartbeat, the sequence rules, the
event refusals, door_closed's every-bay rule, camera snapshots (a JPEG stored once, the
refusals), `vehicle_left` (its refusals, and with a repair ticket its answer and its
idempotence), the long poll, command signatures (with the command key) and
acknowledgements. Standard library only, like the reference simulator, so it runs wherever a
controller is built (the snapshot checks draw their JPEG with Pillow, and skip without it).

It writes events (a heartbeat, a door_closed reporting the ledger's own counts, a scan and a
presence with their snapshots, and with --ticket a vehicle_left) and, with a staff token,
pushes one show_content command: run it on a test counter, not one selling."""

import hashlib
import hmac
import io
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from omniretail.counters.sim import camera_frame, multipart

SEQ_LIMIT = 2**62
SNAPSHOT_LIMIT = 1024 * 1024
SNAPSHOT_FIELDS = {"id", "counter", "seq", "kind", "taken_at", "vend", "ticket", "image_url"}


@dataclass
class Check:
    name: str
    ok: bool | None  # None: skipped
    detail: str = ""

    def line(self) -> str:
        word = {True: "PASS", False: "FAIL", None: "SKIP"}[self.ok]
        return f"{word} {self.name}" + (f": {self.detail}" if self.detail else "")


def canonical(command: dict) -> bytes:
    return json.dumps(command, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Conformance:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        command_key: str = "",
        staff_token: str = "",
        wait: int = 2,
        device=None,
        ticket: str = "",
        log=print,
    ):
        self.root = base_url.rstrip("/") + "/api/counters"
        self.token = token
        self.key = bytes.fromhex(command_key) if command_key else b""
        self.staff_token = staff_token
        self.wait = wait
        self.device = device  # verify(wire) -> "" or the refusal reason, e.g. CounterSim
        self.ticket = ticket  # a repair booked at this counter, checked in, not yet left
        self.heartbeat_seq = 0
        self.log = log
        self.checks: list[Check] = []
        self.config: dict = {}
        self.seq = 0

    # ------------------------------------------------------------ plumbing

    def request(self, method, path, body=None, *, auth=None, timeout=30) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.root + path, data=data, method=method)
        req.add_header("Authorization", auth or f"Counter {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read() or b"{}")
            except ValueError:
                return exc.code, {}

    def upload(self, seq, image: bytes, content_type: str = "image/jpeg") -> tuple[int, dict]:
        body, header = multipart("image", f"{seq}.jpg", image, content_type)
        req = urllib.request.Request(
            f"{self.root}/device/events/{seq}/snapshot", data=body, method="POST"
        )
        req.add_header("Authorization", f"Counter {self.token}")
        req.add_header("Content-Type", header)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read() or b"{}")
            except ValueError:
                return exc.code, {}

    def check(self, name: str, ok: bool | None, detail: str = "") -> bool:
        found = Check(name, ok, "" if ok else detail)
        self.checks.append(found)
        self.log(found.line())
        return bool(ok)

    def event(self, seq, kind: str, data=None, at=None) -> tuple[int, dict]:
        body = {"seq": seq, "kind": kind, "at": int(time.time()) if at is None else at}
        return self.request("POST", "/device/events", {**body, "data": data or {}})

    def refused(self, name: str, answer, status: int, code: str, field: str = "") -> bool:
        """A 4xx with the documented machine code (and field), that consumed nothing."""
        got, body = answer
        error = body.get("error") or {}
        ok = got == status and error.get("code") == code
        if ok and field:
            ok = field in (error.get("fields") or {})
        _, config = self.request("GET", "/device/config")
        ok = ok and config.get("last_seq") == self.seq
        return self.check(
            name, ok, f"expected {status} {code} {field}, got {got} {json.dumps(body)[:200]}"
        )

    # ------------------------------------------------------------ the suite

    def run(self) -> list[Check]:
        if not self.startup():
            return self.checks
        self.events()
        self.door_closed()
        self.snapshots()
        self.vehicle_left()
        self.commands()
        return self.checks

    def startup(self) -> bool:
        status, config = self.request("GET", "/device/config")
        ok = (
            status == 200
            and isinstance(config.get("code"), str)
            and type(config.get("last_seq")) is int
            and isinstance(config.get("bays"), list)
            and "key_id" in (config.get("credential") or {})
        )
        if not self.check("config", ok, f"GET /device/config answered {status} {config}"):
            return False
        self.config, self.seq = config, config["last_seq"]
        status, body = self.request("GET", "/device/config", auth="Counter ck_0.wrong")
        self.check(
            "auth: a wrong credential is refused",
            status in (401, 403) and bool((body.get("error") or {}).get("code")),
            f"answered {status} {body}",
        )
        lower = self.request("GET", "/device/config", auth=f"counter {self.token}")[0]
        self.check("auth: the Counter scheme is case-insensitive", lower == 200, str(lower))
        return True

    def events(self) -> None:
        at = int(time.time())
        status, body = self.event(self.seq + 1, "heartbeat", {"door": "closed"}, at)
        ok = (
            status == 200
            and body.get("duplicate") is False
            and body.get("last_seq") == self.seq + 1
        )
        if self.check("heartbeat accepted with last_seq", ok, f"{status} {body}"):
            self.seq += 1
            self.heartbeat_seq = self.seq
        status, body = self.event(self.seq, "heartbeat", {"door": "closed"}, at)
        self.check(
            "a retry (same seq, same body) is a duplicate",
            status == 200 and body.get("duplicate") is True and body.get("last_seq") == self.seq,
            f"{status} {body}",
        )
        status, body = self.event(self.seq, "heartbeat", {"door": "open"}, at)
        details = (body.get("error") or {}).get("details") or {}
        self.check(
            "the same seq with another body is 409 stale_sequence with details.last_seq",
            status == 409
            and (body.get("error") or {}).get("code") == "stale_sequence"
            and details.get("last_seq") == self.seq,
            f"{status} {body}",
        )
        if self.seq < 2 and self.event(self.seq + 1, "heartbeat")[0] == 200:
            self.seq += 1  # a number below the last that is still positive
        self.refused(
            "a seq below the last is 409",
            self.event(self.seq - 1, "heartbeat"),
            409,
            "stale_sequence",
            "seq",
        )
        self.refused(
            "seq 2^62 is refused (422 on seq)",
            self.event(SEQ_LIMIT, "heartbeat"),
            422,
            "validation_failed",
            "seq",
        )
        self.refused(
            "a seq sent as a string is refused",
            self.event(str(self.seq + 1), "heartbeat"),
            422,
            "validation_failed",
            "seq",
        )
        self.refused(
            "an unknown kind is refused",
            self.event(self.seq + 1, "teleport"),
            422,
            "validation_failed",
            "kind",
        )
        self.refused(
            "at must be an integer",
            self.event(self.seq + 1, "heartbeat", at="1795000000"),
            422,
            "validation_failed",
            "at",
        )

    def door_closed(self) -> None:
        bays = [{"bay": b["bay"], "quantity": b["on_hand"]} for b in self.config["bays"]]
        if not bays:
            self.check("door_closed rules", None, "the counter has no bays")
            return
        if len(bays) > 1:
            self.refused(
                "door_closed must list every bay (422 bays_missing)",
                self.event(self.seq + 1, "door_closed", {"bays": bays[:-1]}),
                422,
                "bays_missing",
                "data.bays",
            )
        self.refused(
            "door_closed may list a bay once (422 bay_listed_twice)",
            self.event(self.seq + 1, "door_closed", {"bays": [*bays, bays[0]]}),
            422,
            "bay_listed_twice",
            f"data.bays.{len(bays)}.bay",
        )
        over = [{**bays[0], "quantity": 1001}, *bays[1:]]
        self.refused(
            "a count above 1000 is refused",
            self.event(self.seq + 1, "door_closed", {"bays": over}),
            422,
            "validation_failed",
            "data.bays.0.quantity",
        )
        status, body = self.event(self.seq + 1, "door_closed", {"bays": bays})
        ok = status == 200 and "settled" in body and "differences" in body
        if self.check(
            "a complete door_closed settles (settled, differences)", ok, f"{status} {body}"
        ):
            self.seq += 1

    def accepted(self, name: str, kind: str, data: dict) -> dict | None:
        """Send the next event; its answer when accepted (the check fails otherwise)."""
        status, body = self.event(self.seq + 1, kind, data)
        ok = status == 200 and body.get("last_seq") == self.seq + 1
        if not self.check(name, ok, f"{status} {json.dumps(body, ensure_ascii=False)[:200]}"):
            return None
        self.seq += 1
        return body

    def snapshots(self) -> None:
        """Section 7: one JPEG per event, stored once; every refusal stores nothing."""
        try:
            jpeg = camera_frame("conformance")
        except ImportError:
            self.check("snapshots", None, "Pillow is not installed (pip install Pillow)")
            return
        if self.accepted("snapshot: a scan event to attach to", "scan", {"source": "qr"}) is None:
            return
        first = self.upload(self.seq, jpeg)
        stored = first[1] if first[0] == 201 else {}
        self.check(
            "snapshot: a JPEG within 1 MB is stored (201 SnapshotOut)",
            set(stored) >= SNAPSHOT_FIELDS
            and stored.get("seq") == self.seq
            and stored.get("kind") == "scan",
            f"{first[0]} {json.dumps(first[1])[:200]}",
        )
        again = self.upload(self.seq, jpeg)
        self.check(
            "snapshot: a retry answers 200 with the stored one",
            again[0] == 200 and again[1].get("id") == stored.get("id"),
            f"{again[0]} {json.dumps(again[1])[:200]}",
        )
        if self.accepted("snapshot: a presence event", "presence", {"people": 2, "dwell_s": 12}):
            from PIL import Image

            png = io.BytesIO()
            Image.new("RGB", (64, 64), (200, 30, 30)).save(png, "PNG")
            for name, image in (
                ("a PNG", png.getvalue()),
                ("over 1 MB", jpeg + b"\0" * (SNAPSHOT_LIMIT + 1 - len(jpeg))),
            ):
                self.refused(
                    f"snapshot: {name} is refused (422 on image)",
                    self.upload(self.seq, image),
                    422,
                    "validation_failed",
                    "image",
                )
            status, body = self.upload(self.seq, jpeg)
            self.check(
                "snapshot: after refusals the event still takes its JPEG (nothing half-written)",
                status == 201 and body.get("kind") == "presence",
                f"{status} {json.dumps(body)[:200]}",
            )
        if self.heartbeat_seq:
            self.refused(
                "snapshot: a heartbeat takes none (422 on seq)",
                self.upload(self.heartbeat_seq, jpeg),
                422,
                "validation_failed",
                "seq",
            )
        self.refused(
            "snapshot: an event never sent is 404 unknown_event",
            self.upload(self.seq + 1000, jpeg),
            404,
            "unknown_event",
            "seq",
        )

    def vehicle_left(self) -> None:
        """Section 3's `vehicle_left`: the refusals; with --ticket (a repair booked at this
        counter and checked in there) its answer, its idempotence and its snapshot."""
        self.refused(
            "vehicle_left without a ticket is refused (422 on data.ticket)",
            self.event(self.seq + 1, "vehicle_left", {}),
            422,
            "validation_failed",
            "data.ticket",
        )
        self.refused(
            "vehicle_left naming no repair of this counter is 422 unknown_ticket",
            self.event(self.seq + 1, "vehicle_left", {"ticket": "no-such-ticket"}),
            422,
            "unknown_ticket",
            "data.ticket",
        )
        if not self.ticket:
            self.check("vehicle_left with a repair ticket", None, "no --ticket given")
            return
        data = {"ticket": self.ticket}
        body = self.accepted("vehicle_left with a repair ticket is accepted", "vehicle_left", data)
        if body is None:
            return
        repair = body.get("repair") or {}
        self.check(
            "vehicle_left answers repair {ticket, step}",
            repair.get("ticket") == self.ticket
            and repair.get("step") in ("dropped_off", "collected"),
            json.dumps(body),
        )
        if self.device is not None:  # the reference camera attaches its frame to it
            status, stored = self.device.snapshot(self.seq)
            self.check(
                "vehicle_left: the simulator's snapshot names the repair",
                status == 201 and stored.get("ticket") == self.ticket,
                f"{status} {json.dumps(stored)[:200]}",
            )
        again = self.accepted("vehicle_left reported again is accepted", "vehicle_left", data)
        self.check(
            "vehicle_left is idempotent (the same step again)",
            again is not None and again.get("repair") == body.get("repair"),
            json.dumps(again),
        )

    def commands(self) -> None:
        status, body = self.request("POST", "/device/commands/nope/ack", {"status": "done"})
        self.check(
            "an ack of an unknown id is 404 unknown_command",
            status == 404 and (body.get("error") or {}).get("code") == "unknown_command",
            f"{status} {body}",
        )
        if self.staff_token:
            status, body = self.request(
                "POST",
                f"/{self.config['code']}/commands",
                {"kind": "show_content"},
                auth=f"Bearer {self.staff_token}",
            )
            self.check("staff push show_content", status == 201, f"{status} {body}")
        started = time.monotonic()
        status, body = self.request(
            "GET", f"/device/commands?wait={self.wait}", timeout=self.wait + 15
        )
        took = time.monotonic() - started
        wires = body.get("commands") if status == 200 else None
        self.check(
            "long poll answers a commands list within wait",
            isinstance(wires, list) and took <= self.wait + 5,
            f"{status} {body} after {took:.1f} s",
        )
        if not wires:
            self.check("command signatures", None, "no command came (give --staff-token)")
            return
        for wire in wires:
            self.command(wire)

    def command(self, wire: dict) -> None:
        envelope, signature = wire.get("command") or {}, wire.get("signature") or ""
        name = f"command {envelope.get('kind')} {envelope.get('id')}"
        fields = {
            "v",
            "id",
            "counter",
            "key_id",
            "kind",
            "args",
            "issued_at",
            "expires_at",
            "nonce",
        }
        self.check(f"{name}: envelope fields", fields <= set(envelope), str(sorted(envelope)))
        self.check(
            f"{name}: signed for this credential's key_id",
            envelope.get("key_id") == self.token.partition(".")[0],
            f"key_id {envelope.get('key_id')}",
        )
        if self.key:
            expected = hmac.new(self.key, canonical(envelope), hashlib.sha256).hexdigest()
            self.check(
                f"{name}: HMAC-SHA256 signature over the canonical JSON",
                hmac.compare_digest(expected, signature),
                "the signature does not verify with this command key",
            )
        else:
            self.check(f"{name}: signature", None, "no --command-key given")
        self.check(f"{name}: for this counter", envelope.get("counter") == self.config["code"])
        self.check(
            f"{name}: v 1, not expired",
            envelope.get("v") == 1 and int(envelope.get("expires_at", 0)) >= time.time(),
            f"v {envelope.get('v')} expires_at {envelope.get('expires_at')}",
        )
        if self.device is not None:
            self.device_refusals(name, wire)
        command_id = envelope.get("id", "")
        status, body = self.request(
            "POST", f"/device/commands/{command_id}/ack", {"status": "finished"}
        )
        self.check(
            f"{name}: an ack with another status is 422 on status",
            status == 422 and "status" in ((body.get("error") or {}).get("fields") or {}),
            f"{status} {body}",
        )
        ack = {"status": "done", "reason": ""}
        first = self.request("POST", f"/device/commands/{command_id}/ack", ack)
        self.check(
            f"{name}: ack done answers acked",
            first[0] == 200 and first[1].get("status") == "acked",
            str(first),
        )
        again = self.request("POST", f"/device/commands/{command_id}/ack", {"status": "failed"})
        self.check(
            f"{name}: the first ack counts", again == first, f"a second ack answered {again}"
        )

    def device_refusals(self, name: str, wire: dict) -> None:
        """The device's side: it accepts the genuine command and refuses each tampered copy
        with the documented reason (section 4's checks, in their order)."""
        envelope = wire["command"]
        self.check(f"{name}: the device accepts it", self.device.verify(wire) == "")
        tampered = {
            "bad_signature": {"signature": "0" * 64},
            "wrong_counter": {"command": {**envelope, "counter": "OTHER-COUNTER"}},
            "expired": {"command": {**envelope, "expires_at": int(time.time()) - 60}},
            "unsupported_version": {"command": {**envelope, "v": 2}},
            "unknown_kind": {"command": {**envelope, "kind": "self_destruct"}},
        }
        for reason, change in tampered.items():
            copy = {**wire, **change}
            if "command" in change:  # re-signed, so only the named check can refuse it
                digest = hmac.new(self.key, canonical(copy["command"]), hashlib.sha256)
                copy["signature"] = digest.hexdigest()
            got = self.device.verify(copy)
            self.check(f"{name}: the device refuses {reason}", got == reason, f"it said {got!r}")


def run(**kwargs) -> list[Check]:
    return Conformance(**kwargs).run()
