"""The topology proof (issue 13): two `omniretail serve` and two `omniretail worker` processes
on one PostgreSQL, Redis and S3-protocol server, a bounded mixed load against both ports,
one web and one worker process killed with SIGKILL mid-run and restarted, then the
invariants, checked over SQL so that a restored backup can be checked the same way.

    python -m omniretail.testing.topology proof     # scripts/topology.sh (make test-topology)

It needs DATABASE_URL (a migrated PostgreSQL database) and REDIS_URL; OMNI_S3_ENDPOINT_URL
(or OMNI_TEST_S3_ENDPOINT_URL) puts object storage on an S3-protocol server. bench/topology.py
runs the same load on 1 web + 1 worker and on 2 + 2. Everything talks to loopback only and
every wait is bounded."""

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from omniretail.privacy.policy import POLICY_VERSION

SECRET_KEY = "topology-secret-key-" + "t" * 40
GATEWAY_SECRET = "topology-sandbox-gateway-secret"
S3_BUCKET = "omni-topology"
RACE_PHONE = "13900009999"
STOCK = 400  # units of the checkout SKU received at the store
RESEND_S = 20  # OMNI_OTP_RESEND_SECONDS in every process


def _env(data_dir: Path) -> dict[str, str]:
    """What every process of the topology (and this driver) runs with."""
    env = {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "OMNI_DATA_DIR": str(data_dir),
        "OMNI_SMS_BACKEND": "omniretail.core.sms.FileSmsBackend",
        "OMNI_SMS_FILE": str(data_dir / "sms.jsonl"),
        "OMNI_SANDBOX_GATEWAY_SECRET": GATEWAY_SECRET,
        "OMNI_SANDBOX_CHAOS_DUPLICATE": "0.3",
        "OMNI_SANDBOX_CHAOS_OUT_OF_ORDER": "0.3",
        "OMNI_SANDBOX_CHAOS_DELAY_S": "1.0",
        "OMNI_SANDBOX_RETRY_BASE_S": "0.2",
        "OMNI_PAYMENT_QUERY_AFTER_SECONDS": "5",
        "OMNI_OTP_RESEND_SECONDS": str(RESEND_S),
        "OMNI_OTP_RATE_PER_IP": "10000/3600",  # every shopper comes from 127.0.0.1
        "OMNI_OTP_MAX_PER_HOUR": "20",
    }
    endpoint = os.environ.get("OMNI_S3_ENDPOINT_URL") or os.environ.get("OMNI_TEST_S3_ENDPOINT_URL")
    if endpoint:
        env.update(
            OMNI_S3_BUCKET=S3_BUCKET,
            OMNI_S3_ENDPOINT_URL=endpoint,
            OMNI_S3_ACCESS_KEY_ID="topology",
            OMNI_S3_SECRET_ACCESS_KEY="topology-secret",
        )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ the processes


class Cluster:
    """N `omniretail serve --no-worker` on their own ports and M `omniretail worker`."""

    def __init__(self, env: dict, ports: list[int], workers: int, log_dir: Path) -> None:
        self.env, self.ports, self.log_dir = env, ports, log_dir
        self.urls = [f"http://127.0.0.1:{p}" for p in ports]
        self.webs: list[subprocess.Popen | None] = [None] * len(ports)
        self.workers: list[subprocess.Popen | None] = [None] * workers
        # The workers reach the site (the gateway's query API) where a proxy would send
        # them: the web process that is never killed.
        self.env = {**env, "OMNI_PUBLIC_BASE_URL": self.urls[0]}

    def _spawn(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "omniretail.cli", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()

    def start_web(self, i: int) -> None:
        env = {**self.env, "OMNI_PUBLIC_BASE_URL": self.urls[i]}  # the gateway calls back here
        args = ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(self.ports[i])]
        self.webs[i] = proc = self._spawn(f"web{i}", args, env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(self.urls[i] + "/healthz", timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"web{i} did not come up:\n{self.log_tail(f'web{i}')}")

    def start_worker(self, i: int) -> None:
        self.workers[i] = self._spawn(f"worker{i}", ["worker"], self.env)

    def start(self) -> None:
        for i in range(len(self.workers)):
            self.start_worker(i)
        for i in range(len(self.ports)):
            self.start_web(i)

    @staticmethod
    def _kill(proc: subprocess.Popen | None) -> None:
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()

    def kill_web(self, i: int) -> None:
        self._kill(self.webs[i])

    def kill_worker(self, i: int) -> None:
        self._kill(self.workers[i])

    def stop(self) -> None:
        procs = [p for p in self.webs + self.workers if p is not None and p.poll() is None]
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                self._kill(proc)

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


# ------------------------------------------------------------------ the world


def build_world(shoppers: int) -> dict:
    """A merchant with a store (open around the clock) stocked with a product, a second
    product on a group-buy campaign, a counter with a credential, shoppers with a wallet,
    and an API token for the merchant's manager. Needs Django set up on DATABASE_URL."""
    from django.utils import timezone

    from omniretail.accounts import services as accounts
    from omniretail.accounts.models import User
    from omniretail.catalog import services as catalog
    from omniretail.counters import services as counters
    from omniretail.groupbuy import services as groupbuy
    from omniretail.inventory import services as inventory
    from omniretail.payments import services as payments
    from omniretail.stores import services as stores

    platform = accounts.create_organization(kind="platform", name="平台", code="platform")
    ops = accounts.create_staff(username="ops", password="Topology-2026", organization=platform)
    producer = accounts.create_organization(kind="producer", name="厂家", code="maker")
    maker = accounts.create_staff(username="maker", password="Topology-2026", organization=producer)
    merchant = accounts.create_organization(kind="merchant", name="湖滨便利", code="hubin")
    owner = accounts.create_staff(
        username="owner", password="Topology-2026", organization=merchant, role="owner"
    )
    store = stores.create_store(
        actor=owner,
        merchant=merchant,
        name="湖滨店",
        address="杭州市上城区湖滨路 18 号",
        lat=30.2588,
        lon=120.1648,
        phone="13900001111",
        city="杭州",
    )
    stores.set_opening_hours(
        actor=owner,
        store=store,
        hours=[{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)],
    )
    category = catalog.create_category(actor=ops, name="美妆", slug="beauty")
    location = inventory.location_for_store(store)

    def product(name: str, code: str, price: str, stock: int):
        made = catalog.create_product(
            actor=maker,
            owner=producer,
            category=category,
            name=name,
            skus=[{"code": code, "name": "单件", "price": price}],
        )
        catalog.submit_product(actor=maker, product=made)
        catalog.review_product(actor=ops, product=made, approve=True)
        sku = made.skus.get()
        inventory.receive_stock(actor=owner, location=location, sku=sku, quantity=stock)
        return made, sku

    mask, mask_sku = product("补水保湿面膜10片", "TP-1", "39.90", STOCK)
    _, tea_sku = product("明前西湖龙井250g", "TP-2", "19.90", 200)
    now = timezone.now()
    campaign = groupbuy.publish_campaign(
        actor=owner,
        store=store,
        sku=tea_sku,
        title="龙井拼团",
        description="3 人成团，1 人中签",
        quantity=max(3, shoppers),
        group_price="19.90",
        group_size=3,
        winners_per_group=1,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=3),
        navigation_address="杭州市上城区湖滨路 18 号",
        phone="0571-88001188",
        consolation_points=50,
        unfilled_points=5,
    )
    counter = counters.register_counter(
        actor=owner,
        store=store,
        code="HZ-TP-01",
        name="湖滨智能柜",
        site_name="湖滨银泰",
        address="杭州市上城区延安路 258 号",
        lat=30.2590,
        lon=120.1650,
    )
    credential, token = counters.issue_credential(actor=owner, counter=counter)
    phones = [f"1390000{i:04d}" for i in range(shoppers)]
    for phone in phones:
        user = User.objects.create(username=f"m{phone}", phone=phone, display_name=phone)
        payments.top_up_wallet(user=user, amount="500.00", idempotency_key=f"topology-{phone}")
    return {
        "store": store.public_id,
        "sku": mask_sku.public_id,
        "product": mask.public_id,
        "location_id": location.pk,
        "sku_id": mask_sku.pk,
        "stock": STOCK,
        "campaign": campaign.public_id,
        "counter": counter.code,
        "counter_token": token,
        "command_key": counters.command_key(credential.key_id).hex(),
        "staff_token": accounts.issue_api_token(user=owner, name="topology")[1],
        "phones": phones,
    }


# ------------------------------------------------------------------ HTTP


class Http:
    """JSON calls that retry what a phone retries (the server is gone: same body, same
    idempotency key) for a bounded time, and time each answered request."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def call(self, method, url, body=None, *, token=None, key=None, auth="Bearer", timeout=30):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"{auth} {token}"
        if key:
            headers["Idempotency-Key"] = key
        data = None if body is None else json.dumps(body).encode()
        deadline = time.monotonic() + 60
        while True:
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=timeout) as resp:
                    status, raw = resp.status, resp.read()
            except urllib.error.HTTPError as exc:
                status, raw = exc.code, exc.read()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
                continue
            with self.lock:
                self.latencies.append(time.perf_counter() - started)
            if status >= 500 and time.monotonic() < deadline:  # a process dying under it
                time.sleep(0.3)
                continue
            return status, json.loads(raw) if raw.startswith((b"{", b"[")) else {}


class Browser:
    """Just enough of a browser for the sandbox gateway's page: cookies and its forms."""

    def __init__(self) -> None:
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def press(self, url: str, testid: str) -> bool:
        """Opens the page and presses the button; False when the page has no such button
        any more (an earlier press went through before the server died)."""
        deadline = time.monotonic() + 60
        while True:
            try:
                with self.opener.open(url, timeout=15) as resp:
                    page = resp.read().decode()
                form = next(
                    (f for f in page.split("<form")[1:] if f'data-testid="{testid}"' in f), None
                )
                if form is None:
                    return False
                action = re.search(r'action="([^"]+)"', form).group(1)
                csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
                body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode()
                target = urllib.parse.urljoin(url, action)
                with self.opener.open(target, data=body, timeout=15) as resp:
                    resp.read()
                return True
            except urllib.error.HTTPError:
                raise
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


def sms_codes(sms_file: Path, phone: str) -> list[str]:
    if not sms_file.exists():
        return []
    codes = []
    for line in sms_file.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line else {}
        if row.get("phone") == phone and row.get("template") == "login_code":
            codes.append(re.search(r"\d{6}", row["text"]).group(0))
    return codes


# ------------------------------------------------------------------ the load


@dataclass
class Load:
    world: dict
    urls: list[str]
    sms_file: Path
    http: Http = field(default_factory=Http)
    outcomes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    journeys: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def login(self, phone: str, a: str, b: str) -> str:
        """The code is asked for on one port, read from the SMS the worker sent, and
        checked on the other port."""
        for _attempt in range(4):
            seen = len(sms_codes(self.sms_file, phone))
            status, _ = self.http.call("POST", f"{a}/api/auth/otp/request", {"phone": phone})
            if status not in (202, 429):  # 429: our earlier try got through before a crash
                raise AssertionError(f"otp request answered {status}")
            deadline = time.monotonic() + 30
            codes = sms_codes(self.sms_file, phone)
            while len(codes) <= seen and time.monotonic() < deadline:
                time.sleep(0.2)
                codes = sms_codes(self.sms_file, phone)
            if codes:
                status, body = self.http.call(
                    "POST",
                    f"{b}/api/auth/otp/verify",
                    {
                        "phone": phone,
                        "code": codes[-1],
                        "issue_token": True,
                        "accept_policies": POLICY_VERSION,
                    },
                )
                if status == 200:
                    return body["token"]
            time.sleep(RESEND_S)  # the code was lost with a worker, or spent: ask again
        raise AssertionError(f"{phone} could not log in")

    def journey(self, i: int) -> str:
        from django.utils import timezone

        w, n = self.world, len(self.urls)
        a, b = self.urls[i % n], self.urls[(i + 1) % n]
        phone = w["phones"][i]
        token = self.login(phone, a, b)
        plan = ("pay", "pay", "pay", "decline")[i % 4]
        status, order = self.http.call(
            "POST",
            f"{a}/api/orders/checkout",
            {
                "fulfilment": "pickup",
                "store": w["store"],
                "pickup_slot": (
                    timezone.localtime().replace(minute=0, second=0, microsecond=0)
                    + timedelta(hours=2)
                ).isoformat(),
                "payment_provider": "sandbox_gateway",
                "lines": [{"sku": w["sku"], "quantity": 1 + i % 2}],
            },
            token=token,
            key=f"checkout-{i}",
        )
        assert status == 201, (status, order)
        status, started = self.http.call(
            "POST",
            f"{b}/api/orders/orders/{order['id']}/pay",
            {"return_url": "/me/orders/"},
            token=token,
            key=f"pay-{i}",
        )
        assert status == 200, (status, started)
        Browser().press(started["redirect_url"], "pay" if plan == "pay" else "cancel")
        status, shared = self.http.call(
            "POST", f"{a}/api/referrals/links", {"product": w["product"]}, token=token, key=f"s{i}"
        )
        assert status == 201, (status, shared)
        status, joined = self.http.call(
            "POST",
            f"{b}/api/groupbuy/campaigns/{w['campaign']}/join",
            {"provider": "balance", "client_value": os.urandom(32).hex()},
            token=token,
            key=f"join-{i}",
        )
        assert status == 201, (status, joined)
        return plan

    def counter_round(self, n: int) -> float:
        """The counter long-polls on the first port while staff create its command through
        the last one; returns seconds from the command's creation to its arrival."""
        w, poll_url, staff_url = self.world, self.urls[0], self.urls[-1]
        token = w["counter_token"]
        self.http.call(
            "POST",
            f"{poll_url}/api/counters/device/events",
            {"seq": n + 1, "kind": "heartbeat", "at": int(time.time()), "data": {"door": "closed"}},
            token=token,
            auth="Counter",
        )
        got: dict = {}

        def poll() -> None:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and "at" not in got:
                status, body = self.http.call(
                    "GET",
                    f"{poll_url}/api/counters/device/commands?wait=20",
                    token=token,
                    auth="Counter",
                )
                for item in body.get("commands", []) if status == 200 else []:
                    if item["command"]["id"] == got.get("id"):
                        got["at"] = time.monotonic()
                        got["signed"] = item

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.5)  # the long-poll is waiting
        issued = time.monotonic()
        status, made = self.http.call(
            "POST",
            f"{staff_url}/api/counters/{w['counter']}/commands",
            {"kind": "reboot"},
            token=w["staff_token"],
        )
        assert status == 201, (status, made)
        got["id"] = made["id"]
        poller.join(45)
        if "at" not in got:
            raise AssertionError(f"the counter never received command {made['id']}")
        import hashlib
        import hmac

        signed = got["signed"]
        canonical = json.dumps(
            signed["command"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        expected = hmac.new(bytes.fromhex(w["command_key"]), canonical, hashlib.sha256)
        assert hmac.compare_digest(expected.hexdigest(), signed["signature"]), "bad signature"
        self.http.call(
            "POST",
            f"{poll_url}/api/counters/device/commands/{made['id']}/ack",
            {"status": "done"},
            token=token,
            auth="Counter",
        )
        return got["at"] - issued

    def run(self, *, threads: int, on_half=None) -> dict:
        """Every shopper's journey over `threads` threads, a counter round at the start, at
        the middle and at the end; `on_half()` runs once half the shoppers are done."""
        total = len(self.world["phones"])
        done = {"n": 0}
        half = threading.Event()
        counter_s: list[float] = []
        started = time.perf_counter()

        def shopper_thread(t: int) -> None:
            for i in range(t, total, threads):
                began = time.perf_counter()
                try:
                    outcome = self.journey(i)
                    with self.lock:
                        self.outcomes[outcome] += 1
                        self.journeys.append(time.perf_counter() - began)
                except Exception as exc:
                    with self.lock:
                        self.errors.append(f"shopper {i}: {exc!r}")
                with self.lock:
                    done["n"] += 1
                    if done["n"] * 2 >= total:
                        half.set()

        def counters() -> None:
            try:
                counter_s.append(self.counter_round(0))
                half.wait(300)
                counter_s.append(self.counter_round(1))
            except Exception as exc:
                self.errors.append(f"counter: {exc!r}")

        pool = [threading.Thread(target=shopper_thread, args=(t,)) for t in range(threads)]
        pool.append(threading.Thread(target=counters))
        for thread in pool:
            thread.start()
        if on_half is not None:
            half.wait(300)
            on_half()
        for thread in pool:
            thread.join(400)
        elapsed = time.perf_counter() - started
        try:
            counter_s.append(self.counter_round(2))
        except Exception as exc:
            self.errors.append(f"counter: {exc!r}")
        return {"elapsed": elapsed, "counter_s": counter_s}


def otp_race(urls: list[str], sms_file: Path, http: Http) -> tuple[list[int], int]:
    """Four code requests for one phone at the same moment, two on each port: the statuses,
    and how many SMS the phone got once the workers had time to send."""
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def ask(url: str) -> None:
        barrier.wait()
        status, _ = http.call("POST", f"{url}/api/auth/otp/request", {"phone": RACE_PHONE})
        statuses.append(status)

    threads = [threading.Thread(target=ask, args=(urls[i % len(urls)],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    deadline = time.monotonic() + 20
    while not sms_codes(sms_file, RACE_PHONE) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # a second SMS, if one were on its way, would land by now
    return sorted(statuses), len(sms_codes(sms_file, RACE_PHONE))


# ------------------------------------------------------------------ figures and invariants

FIGURES = {
    # name -> SQL returning one number; every invariant below is read from these
    "gateway_charges_paid": "SELECT count(*) FROM payments_sandboxcharge WHERE status = 'paid'",
    "gateway_intents_succeeded": (
        "SELECT count(*) FROM payments_paymentintent "
        "WHERE provider = 'sandbox_gateway' AND paid_at IS NOT NULL"
    ),
    "paid_charges_without_succeeded_intent": (
        "SELECT count(*) FROM payments_sandboxcharge c WHERE c.status = 'paid' AND NOT EXISTS ("
        "SELECT 1 FROM payments_paymentintent i WHERE i.public_id = c.merchant_reference "
        "AND i.paid_at IS NOT NULL)"
    ),
    "intents_succeeded": "SELECT count(*) FROM payments_paymentintent WHERE paid_at IS NOT NULL",
    "payment_succeeded_events": (
        "SELECT count(*) FROM core_outboxevent WHERE name LIKE '%%PaymentSucceeded'"
    ),
    "intents_not_succeeded_once": (
        "SELECT count(*) FROM payments_paymentintent i WHERE i.paid_at IS NOT NULL AND ("
        "SELECT count(*) FROM core_outboxevent e WHERE e.name LIKE '%%PaymentSucceeded' "
        "AND e.payload->>'intent_id' = i.public_id) <> 1"
    ),
    "orders_paid": "SELECT count(*) FROM orders_order WHERE paid_at IS NOT NULL",
    "paid_orders_without_succeeded_intent": (
        "SELECT count(*) FROM orders_order o WHERE o.paid_at IS NOT NULL AND NOT EXISTS ("
        "SELECT 1 FROM payments_paymentintent i WHERE i.public_id = o.payment_intent_id "
        "AND i.paid_at IS NOT NULL)"
    ),
    "events": "SELECT count(*) FROM core_outboxevent",
    "events_undelivered": "SELECT count(*) FROM core_outboxevent WHERE status <> 'delivered'",
    "events_dead": "SELECT count(*) FROM core_outboxevent WHERE status = 'dead'",
    "handled": "SELECT count(*) FROM core_handledevent",
    "handled_twice": (
        "SELECT count(*) FROM (SELECT 1 FROM core_handledevent "
        "GROUP BY event_id, handler HAVING count(*) > 1) x"
    ),
    "order_awards": "SELECT count(*) FROM loyalty_orderaward",
    "order_awards_twice": (
        "SELECT count(*) FROM (SELECT 1 FROM loyalty_orderaward "
        "GROUP BY order_id HAVING count(*) > 1) x"
    ),
    "paid_orders_without_award": (
        "SELECT count(*) FROM orders_order o WHERE o.paid_at IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM loyalty_orderaward a WHERE a.order_id = o.public_id)"
    ),
    "stock_on_hand": (
        "SELECT coalesce(sum(on_hand), 0) FROM inventory_stocklevel "
        "WHERE location_id = %(location_id)s AND sku_id = %(sku_id)s"
    ),
    "stock_moved": (
        "SELECT coalesce(sum(on_hand_delta), 0) FROM inventory_stockmovement "
        "WHERE location_id = %(location_id)s AND sku_id = %(sku_id)s"
    ),
    "stock_sold": (
        "SELECT coalesce(sum(l.quantity), 0) FROM orders_orderline l "
        "JOIN orders_order o ON o.id = l.order_id "
        "WHERE o.paid_at IS NOT NULL AND l.sku_id = %(sku_id)s"
    ),
    "stock_levels_negative": (
        "SELECT count(*) FROM inventory_stocklevel "
        "WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"
    ),
    "ledger_postings": "SELECT count(*) FROM ledger_posting",
    "ledger_entries": "SELECT count(*) FROM ledger_entry",
    "ledger_unbalanced_postings": (
        "SELECT count(*) FROM (SELECT 1 FROM ledger_entry e "
        "JOIN ledger_account a ON a.id = e.account_id "
        "GROUP BY e.posting_id, a.asset_id HAVING sum(e.amount) <> 0) x"
    ),
    "ledger_accounts_off_entries": (
        "SELECT count(*) FROM ledger_account a LEFT JOIN (SELECT account_id, sum(amount) s "
        "FROM ledger_entry GROUP BY account_id) e ON e.account_id = a.id "
        "WHERE a.balance <> coalesce(e.s, 0)"
    ),
    "ledger_assets_not_zero": (
        "SELECT count(*) FROM (SELECT 1 FROM ledger_account "
        "GROUP BY asset_id HAVING sum(balance) <> 0) x"
    ),
    "jobs_declared": "SELECT count(*) FROM core_scheduledjob",
    "jobs_run": "SELECT count(DISTINCT job) FROM core_jobrun WHERE finished_at IS NOT NULL",
    "job_runs": "SELECT count(*) FROM core_jobrun",
    "job_runs_twice": (
        "SELECT count(*) FROM (SELECT 1 FROM core_jobrun "
        "GROUP BY job, deadline HAVING count(*) > 1) x"
    ),
    "job_runs_failed": "SELECT count(*) FROM core_jobrun WHERE error <> ''",
    "otp_codes_race_phone": (
        f"SELECT count(*) FROM accounts_onetimecode WHERE phone = '{RACE_PHONE}'"
    ),
}


def figures(database_url: str, world: dict) -> dict[str, int]:
    """Every figure the invariants are read from, over any copy of the database."""
    import psycopg

    params = {"location_id": world["location_id"], "sku_id": world["sku_id"]}
    with psycopg.connect(database_url) as conn:
        return {name: int(conn.execute(sql, params).fetchone()[0]) for name, sql in FIGURES.items()}


def invariants(f: dict[str, int], world: dict) -> list[tuple[bool, str]]:
    sold, start = f["stock_sold"], world["stock"]
    return [
        (
            f["gateway_charges_paid"] == f["gateway_intents_succeeded"]
            and f["paid_charges_without_succeeded_intent"] == 0,
            f"every gateway charge paid is one succeeded intent: {f['gateway_charges_paid']} "
            f"charges paid, {f['gateway_intents_succeeded']} intents paid, "
            f"{f['paid_charges_without_succeeded_intent']} paid charges without one",
        ),
        (
            f["intents_not_succeeded_once"] == 0
            and f["payment_succeeded_events"] == f["intents_succeeded"]
            and f["paid_orders_without_succeeded_intent"] == 0,
            f"every paid order paid once: {f['payment_succeeded_events']} PaymentSucceeded for "
            f"{f['intents_succeeded']} intents paid ({f['intents_not_succeeded_once']} "
            f"not exactly once); {f['orders_paid']} orders paid, "
            f"{f['paid_orders_without_succeeded_intent']} without a succeeded intent",
        ),
        (
            f["events_undelivered"] == 0 and f["handled_twice"] == 0,
            f"no event delivered twice to a handler: {f['events']} events, "
            f"{f['events_undelivered']} undelivered ({f['events_dead']} dead), "
            f"{f['handled']} (event, handler) pairs, {f['handled_twice']} twice",
        ),
        (
            f["order_awards_twice"] == 0
            and f["paid_orders_without_award"] == 0
            and f["order_awards"] == f["orders_paid"],
            f"handler side effects counted once: {f['order_awards']} order point awards for "
            f"{f['orders_paid']} paid orders, {f['order_awards_twice']} twice, "
            f"{f['paid_orders_without_award']} missing",
        ),
        (
            f["stock_on_hand"] == start - sold
            and f["stock_moved"] == f["stock_on_hand"]
            and f["stock_levels_negative"] == 0,
            f"stock sold = start - end: {sold} = {start} - {f['stock_on_hand']} "
            f"(movements sum to {f['stock_moved']}); {f['stock_levels_negative']} stock levels "
            "negative or over-reserved",
        ),
        (
            f["ledger_unbalanced_postings"] == 0
            and f["ledger_accounts_off_entries"] == 0
            and f["ledger_assets_not_zero"] == 0,
            f"ledger balanced: {f['ledger_postings']} postings, {f['ledger_entries']} entries, "
            f"{f['ledger_unbalanced_postings']} postings not netting to zero per asset, "
            f"{f['ledger_accounts_off_entries']} accounts off their entries, "
            f"{f['ledger_assets_not_zero']} assets not summing to zero",
        ),
        (
            f["jobs_run"] == f["jobs_declared"] > 0
            and f["job_runs_twice"] == 0
            and f["job_runs_failed"] == 0,
            f"every periodic job ran, none twice for a deadline: {f['jobs_run']} of "
            f"{f['jobs_declared']} jobs ran, {f['job_runs']} runs, {f['job_runs_twice']} "
            f"deadlines run twice, {f['job_runs_failed']} failed",
        ),
    ]


def report(checks: list[tuple[bool, str]]) -> bool:
    for ok, line in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {line}", flush=True)
    return all(ok for ok, _ in checks)


def settle(database_url: str, world: dict, after, timeout: float = 150) -> tuple[float, bool]:
    """Waits until the outbox is drained, every gateway charge is applied, every periodic
    job has run, and each sweep of 30 s or less has run for a deadline after the load
    ended (`after`); returns the seconds it took and whether it came to that."""
    import psycopg

    from omniretail.core.scheduler import periodic_jobs

    sweeps = [job.name for job in periodic_jobs().values() if job.seconds <= 30]
    started = time.monotonic()
    while True:
        f = figures(database_url, world)
        with psycopg.connect(database_url) as conn:
            swept = conn.execute(
                "SELECT count(DISTINCT job) FROM core_jobrun WHERE job = ANY(%s) "
                "AND deadline >= %s AND finished_at IS NOT NULL",
                [sweeps, after],
            ).fetchone()[0]
        done = (
            f["events_undelivered"] == 0
            and f["gateway_charges_paid"] == f["gateway_intents_succeeded"]
            and f["jobs_run"] == f["jobs_declared"] > 0
            and swept == len(sweeps)
        )
        if done or time.monotonic() - started > timeout:
            return time.monotonic() - started, done
        time.sleep(1)


def outbox_lag_p99(database_url: str, since) -> float:
    """p99 of seconds from an event's creation to its delivery, for events since `since`
    that had handlers to run (one with none is written delivered)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM "
            "delivered_at - created_at)) FROM core_outboxevent "
            "WHERE created_at >= %s AND delivered_at IS NOT NULL AND attempts > 0",
            [since],
        ).fetchone()
    return float(row[0] or 0)


def restore_copy(database_url: str) -> str:
    """pg_dump of the database restored into a new one (createdb + pg_restore); its URL."""
    bin_dir = os.environ.get("PG_BIN", "")
    tool = (lambda name: str(Path(bin_dir) / name)) if bin_dir else (lambda name: name)
    parts = urllib.parse.urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_restored"
    target = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    conn = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    conn += ["-U", parts.username or "postgres"]
    with tempfile.TemporaryDirectory(prefix="omni-backup-") as scratch:
        dump = Path(scratch) / "omniretail.dump"
        subprocess.run([tool("pg_dump"), "-Fc", "-f", str(dump), database_url], check=True)
        subprocess.run([tool("createdb"), *conn, name], check=True)
        subprocess.run([tool("pg_restore"), "--no-owner", "-d", target, str(dump)], check=True)
    return target


# ------------------------------------------------------------------ the runs


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
    import django

    django.setup()


def create_bucket(env: dict) -> None:
    if not env.get("OMNI_S3_ENDPOINT_URL"):
        return
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=env["OMNI_S3_ENDPOINT_URL"],
        aws_access_key_id=env["OMNI_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["OMNI_S3_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=S3_BUCKET)


def ports_from_env(n: int) -> list[int]:
    given = [int(p) for p in os.environ.get("TOPOLOGY_PORTS", "").split(",") if p]
    return (given + [_free_port() for _ in range(n)])[:n]


def drive(
    *, webs: int, workers: int, shoppers: int, threads: int, chaos: bool, work_dir: Path
) -> dict:
    """Builds the world, starts the topology, runs the load (with the kills when `chaos`),
    lets the sweeps finish; returns what was measured. The caller has set Django up."""
    from django.db import connections
    from django.utils import timezone

    env = _env(work_dir)
    database_url = env["DATABASE_URL"]
    world = build_world(shoppers)
    connections.close_all()
    cluster = Cluster(env, ports_from_env(webs), workers, work_dir)
    began = timezone.now()
    try:
        cluster.start()
        for url in cluster.urls:  # database, cache and storage reachable from each process
            with urllib.request.urlopen(url + "/readyz", timeout=10) as resp:
                assert resp.status == 200, url
        print(f">>> {webs} web + {workers} worker processes; /readyz 200 on each web", flush=True)
        load = Load(world=world, urls=cluster.urls, sms_file=work_dir / "sms.jsonl")
        kills: list[str] = []
        began_s = time.monotonic()

        def crash() -> None:
            print(">>> kill -9 one web process and one worker, then restart them", flush=True)
            cluster.kill_worker(0)
            cluster.kill_web(len(cluster.urls) - 1)
            kills.append(f"after {time.monotonic() - began_s:.1f}s of load")
            cluster.start_worker(0)
            cluster.start_web(len(cluster.urls) - 1)

        stats = load.run(threads=threads, on_half=crash if chaos else None)
        ended = timezone.now()
        race = otp_race(cluster.urls, load.sms_file, load.http) if chaos else None
        settled = settle(database_url, world, ended)
        lag = outbox_lag_p99(database_url, began)
    except BaseException:
        for name in [f"web{i}" for i in range(webs)] + [f"worker{i}" for i in range(workers)]:
            print(f"--- {name}.log\n{cluster.log_tail(name)}", file=sys.stderr)
        raise
    finally:
        cluster.stop()
    latencies = sorted(load.http.latencies)
    return {
        "world": world,
        "database_url": database_url,
        "outcomes": dict(load.outcomes),
        "errors": load.errors,
        "elapsed": stats["elapsed"],
        "journeys": len(load.journeys),
        "requests": len(latencies),
        "latencies": latencies,
        "counter_s": stats["counter_s"],
        "race": race,
        "settled": settled,
        "outbox_lag_p99": lag,
        "kills": kills,
    }


def proof(args) -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("!!! topology layer SKIPPED: it needs DATABASE_URL on PostgreSQL")
        return 0
    if not os.environ.get("REDIS_URL"):
        print("!!! topology layer SKIPPED: it needs REDIS_URL (redis-server)")
        return 0
    work_dir = Path(tempfile.mkdtemp(prefix="omni-topology-"))
    env = _env(work_dir)
    setup_django(env)
    create_bucket(env)
    started = time.monotonic()
    run = drive(
        webs=2,
        workers=2,
        shoppers=args.shoppers,
        threads=args.threads,
        chaos=True,
        work_dir=work_dir,
    )
    cuts = statistics.quantiles(run["latencies"], n=100)
    print(
        f">>> {run['journeys']} shopper journeys ({run['outcomes']}), {run['requests']} requests "
        f"(p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms) "
        f"in {run['elapsed']:.1f}s; counter commands across ports in "
        f"{', '.join(f'{s:.2f}s' for s in run['counter_s'])}; sweeps settled in "
        f"{run['settled'][0]:.1f}s; outbox lag p99 {run['outbox_lag_p99']:.2f}s",
        flush=True,
    )
    world, url = run["world"], run["database_url"]
    f = figures(url, world)
    statuses, sms = run["race"]
    checks = [
        (
            not run["errors"] and run["journeys"] == args.shoppers,
            f"the load ran: {run['journeys']} of {args.shoppers} journeys, "
            f"{len(run['errors'])} errors {run['errors'][:5]}",
        ),
        (
            len(run["counter_s"]) == 3,
            "a counter long-polling on one port got each command "
            f"created through the other ({len(run['counter_s'])} of 3)",
        ),
        (
            run["settled"][1],
            f"the sweeps settled in {run['settled'][0]:.1f}s: outbox drained, gateway "
            "charges applied, every sweep of 30 s or less ran for a deadline after the load",
        ),
        (bool(run["kills"]), f"one web and one worker were killed mid-run ({run['kills']})"),
        *invariants(f, world),
        (
            statuses.count(202) == 1 and sms == 1 and f["otp_codes_race_phone"] == 1,
            f"OTP rate limit held across the two ports: 4 simultaneous requests answered "
            f"{statuses}, {sms} SMS sent, {f['otp_codes_race_phone']} code issued",
        ),
    ]
    ok = report(checks)
    print(">>> backup: pg_dump restored into a new database (createdb + pg_restore)", flush=True)
    restored = restore_copy(url)
    same = figures(restored, world)
    differ = {k: (f[k], same[k]) for k in f if f[k] != same[k]}
    ok = (
        report(
            [
                *invariants(same, world),
                (
                    not differ,
                    f"the restored copy gives the same {len(f)} figures ({differ or 'equal'})",
                ),
            ]
        )
        and ok
    )
    print(f">>> topology: {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f}s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="omniretail.testing.topology", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("proof", help="run the topology proof and check the invariants")
    p.add_argument("--shoppers", type=int, default=int(os.environ.get("TOPOLOGY_SHOPPERS", "40")))
    p.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    sys.exit(proof(args))


if __name__ == "__main__":
    main()
