"""The API as an outside developer meets it: a client generated from the live
/api/openapi.json with openapi-python-client runs the shopper's journey and the clerk's
redeem, and schemathesis sends every operation generated input, against a running server:
no 5xx, and every answer matches what the document says it is."""

import copy
import importlib
import itertools
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.test import Client as DjangoClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.engine.errors import is_inconsistent_replay
from schemathesis.specs.openapi.checks import response_schema_conformance

from omniretail.accounts import services as accounts
from omniretail.core.sms import read_sms_file
from omniretail.inventory import services as inventory
from omniretail.orders import services as orders
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.privacy.models import POLICY_VERSION

PHONE = "13912345678"
# Seconds a call may take before it counts as a failure: a hang, not a slow machine (the
# server runs in this process, and under a load of 20 a 0.3 s request takes 7 s).
TIMEOUT = 60
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def document() -> dict:
    """/api/openapi.json, built once for the module: building it takes seconds, more under
    load than the 10 s in which schemathesis' from_url must read it from the live server
    (three runs of the state machine failed so in a row, before a request was sent)."""
    response = DjangoClient().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def api_schema(document: dict):
    """A schemathesis schema of the document (a copy: loading it may resolve refs in place)."""
    return schemathesis.openapi.from_dict(copy.deepcopy(document))


@pytest.fixture
def generated(document, tmp_path):
    """The client package openapi-python-client makes from the document, imported."""
    tool = shutil.which("openapi-python-client") or (GENERATOR if GENERATOR.exists() else None)
    if tool is None:
        pytest.skip(
            "!!! openapi-python-client is not installed, so the generated-client contract is "
            "NOT checked: `pip install -e .[dev]` !!!"
        )
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    out = tmp_path / "omni_client"
    done = subprocess.run(
        [str(tool), "generate", "--path", str(path), "--meta", "none", "--output-path", out],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module("omni_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "omni_client" or n.startswith("omni_client.")]:
            del sys.modules[name]


def _call(module: str, function: str, client, *args, **kwargs):
    """`api.<module>.<operation>.sync(...)` of the generated client, by its operation id."""
    package = importlib.import_module(f"omni_client.api.{module}")
    operation = importlib.import_module(f"{package.__name__}.{function}")
    return operation.sync(*args, client=client, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_runs_the_shoppers_journey_and_the_clerks_redeem(
    generated, live, store, store_location, sku, merchant_staff
):
    from omni_client import AuthenticatedClient, Client
    from omni_client import models as m

    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    anonymous = Client(base_url=live.url, raise_on_unexpected_status=True)

    sent = _call("auth", "omniretail_accounts_api_request_code", anonymous, body=m.PhoneIn(PHONE))
    assert sent.phone == PHONE
    code = read_sms_file(PHONE)[-1]["text"].split("验证码是 ")[1][:6]
    login = _call(
        "auth",
        "omniretail_accounts_api_verify_code",
        anonymous,
        body=m.OtpVerifyIn(
            phone=PHONE, code=code, issue_token=True, accept_policies=POLICY_VERSION
        ),
    )
    assert isinstance(login, m.LoginOut) and login.token
    shopper = AuthenticatedClient(base_url=live.url, token=login.token)
    payments.top_up_wallet(
        user=get_user_model().objects.get(phone=PHONE),
        amount="100.00",
        idempotency_key="contract-topup",
    )

    found = _call("catalog", "omniretail_catalog_api_products", anonymous, q="面膜")
    product = _call(
        "catalog", "omniretail_catalog_api_product_detail", anonymous, found.items[0].id
    )
    assert sku.public_id in [s.id for s in product.skus]

    slot = next_half_hour()
    order = _call(
        "orders",
        "omniretail_orders_api_checkout",
        shopper,
        body=m.CheckoutIn(
            fulfilment=m.CheckoutInFulfilment.PICKUP,
            store=store.public_id,
            pickup_slot=slot,
            payment_provider="balance",
            lines=[m.CartItemIn(sku=sku.public_id, quantity=2)],
        ),
        idempotency_key="contract-checkout",
    )
    assert isinstance(order, m.OrderOut), order
    assert order.total == "79.80" and isinstance(order.lines[0].id, str)
    paid = _call(
        "orders",
        "omniretail_orders_api_pay",
        shopper,
        order.id,
        body=m.PayIn(),
        idempotency_key="p1",
    )
    assert isinstance(paid, m.PayOut), paid
    for _ in range(50):
        order = _call("orders", "omniretail_orders_api_my_order", shopper, order.id)
        if order.status == m.OrderOutStatus.PAID:
            break
        time.sleep(0.1)
    assert order.status == m.OrderOutStatus.PAID and order.pickup_code

    clerk = AuthenticatedClient(
        base_url=live.url, token=accounts.issue_api_token(user=merchant_staff, name="till")[1]
    )
    redeemed = _call(
        "orders",
        "omniretail_orders_api_redeem",
        clerk,
        body=m.PickupRedeemIn(store=store.public_id, code=order.pickup_code),
    )
    assert isinstance(redeemed, m.OrderOut), redeemed
    assert redeemed.status == m.OrderOutStatus.COMPLETED


def next_half_hour():
    """A pickup slot the store takes: on the hour, two hours ahead (the store is open all week)."""
    from django.utils import timezone

    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)


def paid_pickup_order(shopper, store, sku):
    payments.top_up_wallet(user=shopper, amount="100.00", idempotency_key="fuzz-topup")
    order = orders.checkout(
        shopper=shopper,
        lines=[(sku, 1)],
        fulfilment=orders.resolve_fulfilment(
            kind="pickup", store=store, pickup_slot_start=next_half_hour()
        ),
        payment_provider="balance",
    )
    payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
    return order


# The example budget: generated inputs per operation and mode (derandomized: the same ones
# every run), besides the document's own examples; each is sent as both callers.
EXAMPLES = 2
# What each caller must see answered with success, so a run that reached nothing cannot pass.
MINIMUM_SUCCESSES = {"manager": 100, "shopper": 100}


def sms_login(live, phone: str = PHONE) -> tuple:
    """A member as an app signs one in: an SMS code, then a bearer token (issue_token)."""
    api = f"{live.url}/api/auth"
    sent = httpx.post(f"{api}/otp/request", json={"phone": phone}, trust_env=False, timeout=30)
    assert sent.status_code == 202, sent.text
    code = read_sms_file(phone)[-1]["text"].split("验证码是 ")[1][:6]
    verified = httpx.post(
        f"{api}/otp/verify",
        json={"phone": phone, "code": code, "issue_token": True, "accept_policies": POLICY_VERSION},
        trust_env=False,
        timeout=30,
    )
    assert verified.status_code == 200, verified.text
    return get_user_model().objects.get(phone=phone), verified.json()["token"]


@pytest.mark.django_db(transaction=True)
def test_no_generated_request_gets_a_5xx_or_an_answer_the_document_does_not_describe(
    document, live, merchant, store, store_location, sku, merchant_staff
):
    """Valid and invalid input to every operation, each sent twice: as a member signed in by
    SMS, who reaches the shopper's routes, and as a store's manager, who reaches the most.
    Valid input names real objects (the member's paid pickup order at the store, its intent,
    SKU, store and merchant) so answers with bodies are checked too, and each caller's answers
    are counted so a run that reached nothing cannot pass. Each input is generated once and
    serves both callers."""
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    member, member_token = sms_login(live)
    order = paid_pickup_order(member, store, sku)
    real = {
        "org_id": merchant.public_id,
        "merchant_id": merchant.public_id,
        "store_id": store.public_id,
        "product_id": sku.product.public_id,
        "sku_id": sku.public_id,
        "order_id": order.public_id,
        "intent_id": order.payment_intent_id,
    }
    callers = {
        "shopper": member_token,
        "manager": accounts.issue_api_token(user=merchant_staff, name="fuzz")[1],
    }
    failures: list[str] = []
    answered: dict[str, Counter] = {caller: Counter() for caller in callers}
    for result in api_schema(document).get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                if mode is GenerationMode.POSITIVE:  # noqa: B023 - run() is called below
                    for name in set(case.path_parameters or {}) & set(real):
                        case.path_parameters[name] = real[name]
                for caller, token in callers.items():
                    try:
                        response = case.call_and_validate(
                            base_url=live.url,
                            headers={"Authorization": f"Bearer {token}"},
                            checks=[not_a_server_error, response_schema_conformance],
                            timeout=TIMEOUT,
                        )
                    except Exception as failure:  # say whose call it was
                        failure.add_note(f"as the {caller}")
                        raise
                    answered[caller][response.status_code] += 1

            try:
                run()
            except Unsatisfiable:  # nothing of this operation's input can be made invalid
                pass
            except Exception as failure:  # every operation's failure is reported
                notes = ", ".join(
                    n for n in getattr(failure, "__notes__", []) if n.startswith("as the ")
                )
                failures.append(f"{operation.label} ({mode.value}, {notes}): {str(failure)[:800]}")
    assert failures == [], "\n\n".join(failures)
    for caller, seen in answered.items():
        successes = sum(n for status, n in seen.items() if status < 300)
        assert successes > MINIMUM_SUCCESSES[caller], (caller, seen)


def test_every_link_in_the_document_leads_to_an_operation_and_its_parameters(client):
    """A client follows a link by its operationId and fills the target's parameters: both
    must exist, or the chain breaks where the document promised it."""
    document = client.get("/api/openapi.json").json()
    operations = {
        op["operationId"]: op for item in document["paths"].values() for op in item.values()
    }
    found = 0
    for item in document["paths"].values():
        for operation in item.values():
            for answer in operation["responses"].values():
                for name, target in answer.get("links", {}).items():
                    found += 1
                    where = (operation["operationId"], name)
                    assert target["operationId"] in operations, where
                    declared = {
                        p["name"] for p in operations[target["operationId"]].get("parameters", [])
                    }
                    assert set(target["parameters"]) <= declared, where
    assert found >= 20


# Calls that succeed only with an id a link carried over from an earlier answer, by chain.
LINKED = {
    "orders": {
        ("GET /api/orders/orders/{order_id}", 200),
        ("POST /api/orders/orders/{order_id}/pay", 200),
        ("POST /api/orders/orders/{order_id}/cancel", 200),
        ("POST /api/orders/orders/{order_id}/after-sales", 201),
        ("GET /api/orders/merchant/orders/{order_id}", 200),
        ("POST /api/orders/merchant/orders/{order_id}/ready", 200),
    },
    "stores": {
        ("GET /api/stores/manage/{store_id}", 200),
        ("PATCH /api/stores/manage/{store_id}", 200),
        ("PUT /api/stores/manage/{store_id}/hours", 200),
        ("POST /api/stores/manage/{store_id}/exceptions", 201),
        ("GET /api/stores/{store_id}", 200),
    },
    "tokens": {("DELETE /api/auth/tokens/{token_id}", 204)},
}
# Each chain is its own state machine (no link joins two), with its own scenarios: sharing
# one, the orders' many links left a new store's few followed in too few runs (1 of 3).
CHAINS = {  # chain: (the paths its machine covers, scenarios)
    "orders": (r"^/api/orders/(?!merchant/sales$)", 40),  # not the till's sales: refusals only
    "stores": (r"^/api/stores/", 20),
    "tokens": (r"^/api/auth/tokens", 10),
}
RUNS = 3  # starts of the state machine, should a replay find the server changed (see below)


@pytest.fixture
def many_unpaid_orders(settings):
    """The state machine leaves most of the orders it places unpaid."""
    settings.OMNI_ORDER_UNPAID_LIMIT = 100


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("many_unpaid_orders")
def test_schemathesis_follows_the_documents_links_through_orders_stores_and_tokens(
    document, live, merchant, store, store_location, sku, merchant_staff
):
    """Stateful: schemathesis follows only the links the document declares, a member checking
    out (at a real store, for a real SKU, paid from their balance) and the store's manager
    answering on the merchant routes, opening stores and editing them; both issue and revoke
    API tokens. Every answer matches the document, none is a 5xx, and the links from a cart to
    checkout, from an order, a new store and a new token onwards are really followed."""
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=500)
    member, member_token = sms_login(live)
    payments.top_up_wallet(user=member, amount="5000.00", idempotency_key="links-topup")
    manager_token = accounts.issue_api_token(user=merchant_staff, name="links")[1]
    slots = (next_half_hour() + timedelta(minutes=30 * n) for n in itertools.count())
    tomorrow = (next_half_hour() + timedelta(days=1)).date().isoformat()
    # Bodies the random ones would rarely get right (the stateless test sends those).
    bodies = {
        "POST /api/orders/checkout": lambda: {
            "fulfilment": "pickup",
            "store": store.public_id,
            "payment_provider": "balance",
            "lines": [{"sku": sku.public_id, "quantity": 1}],
            "pickup_slot": next(slots).isoformat(),  # a slot has room for 50
        },
        "POST /api/orders/cart/items": lambda: {"sku": sku.public_id, "quantity": 1},
        "PUT /api/orders/cart/items": lambda: {"sku": sku.public_id, "quantity": 1},
        "POST /api/orders/orders/{order_id}/after-sales": lambda: {
            "kind": "refund_only",
            "reason": "包装破损",
        },
        "POST /api/stores/manage": lambda: {  # for the manager's merchant
            "merchant": merchant.public_id,
            "name": "联调门店",
            "address": "浙江省杭州市上城区湖滨路 1 号",
            "lat": 30.2590,
            "lon": 120.1640,
        },
        "PUT /api/stores/manage/{store_id}/hours": lambda: {
            "hours": [{"weekday": day, "opens": "09:00", "closes": "21:30"} for day in range(7)]
        },
        "POST /api/stores/manage/{store_id}/exceptions": lambda: {
            "date": tomorrow,
            "is_closed": True,
            "note": "盘点",
        },
    }
    answered: Counter = Counter()
    failures: list[str] = []

    def journey(schema):
        class Journey(schema.as_state_machine()):  # type: ignore[misc]
            def before_call(self, case):
                manager = "/merchant/" in case.path or case.path.startswith("/api/stores/manage")
                token = manager_token if manager else member_token
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
                if case.operation.label in bodies:
                    case.body = bodies[case.operation.label]()

            def get_call_kwargs(self, case):
                return {"base_url": live.url, "timeout": TIMEOUT}

            def after_call(self, response, case):
                super().after_call(response, case)
                answered[(case.operation.label, response.status_code)] += 1

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                try:
                    case.validate_response(
                        response,
                        checks=[not_a_server_error, response_schema_conformance],
                        transport_kwargs=kwargs or None,
                        recorder=self.recorder,
                    )
                except Exception as failure:  # kept now: a replay of its scenario may not fail
                    failures.append(f"{case.operation.label} {response.status_code}: {failure}")
                    raise

        return Journey

    for paths, scenarios in CHAINS.values():
        schema = api_schema(document).include(path_regex=paths)
        schema.config.phases.stateful.inference.algorithms = []  # the document's links only
        schema.config.phases.stateful.generation.update(modes=[GenerationMode.POSITIVE])
        Journey = journey(schema)
        for _run in range(RUNS):
            try:
                Journey.run(
                    settings=settings(
                        Journey.TestCase.settings,
                        max_examples=scenarios,
                        stateful_step_count=6,
                        database=None,
                    )
                )
                break
            except Exception as stopped:  # a failing check is a FailureGroup: not caught
                # The server keeps what each scenario did, so a replayed scenario (to shrink a
                # failure, or a new one sharing a start already seen) can get other answers and
                # so other links to follow: Hypothesis stops with "inconsistent data
                # generation" (FlakyStrategyDefinition; one run in three of the wider machine
                # ended so). That is not the API's failure: schemathesis' own runner ignores
                # it and starts over, as here. A check that failed before the replay was
                # recorded as it happened, and fails the test below.
                if failures:
                    break
                if not (isinstance(stopped, Flaky) or is_inconsistent_replay(stopped)):
                    raise
    assert failures == [], "\n\n".join(failures)
    seen = sorted(answered.items())
    assert answered[("POST /api/orders/checkout", 201)] > 0, seen  # the cart's link to it
    for chain, linked in LINKED.items():
        assert set(answered) & linked, (chain, seen)
