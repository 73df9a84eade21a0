"""Shared fixtures: organisations and people for each role, an API client, and settings
that send SMS to a per-test file and run tasks immediately."""

import threading

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Membership, Organization

STAFF_PASSWORD = "Omni-test-pass-2026"


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.OMNI_SMS_BACKEND = "omniretail.core.sms.FileSmsBackend"
    settings.OMNI_SMS_FILE = tmp_path / "sms.jsonl"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    # Static files as the finders hold them: the hashed, compressed storage needs a
    # collectstatic first (web/tests/test_static.py runs one and checks what it serves).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.OMNI_OTP_RESEND_SECONDS = 60
    settings.OMNI_SANDBOX_GATEWAY = True  # whatever OMNI_PUBLIC_BASE_URL the shell has
    # Staff fixtures set passwords; the production hasher's deliberate slowness only slows
    # the suite, it proves nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_redis():
    """With REDIS_URL (the PostgreSQL layer of `make test`) the cache and the rate limits live
    in Redis, which no test transaction rolls back: each test starts without this
    installation's keys. Never point the tests at a production Redis."""
    if not django_settings.REDIS_URL:
        return
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    keys = list(client.scan_iter(f"{django_settings.OMNI_REDIS_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def platform(db):
    return accounts.create_organization(kind="platform", name="平台管理中心", code="platform")


@pytest.fixture
def region(db):
    return accounts.create_organization(kind="region", name="杭州运营中心", code="hz")


@pytest.fixture
def producer(db):
    return accounts.create_organization(kind="producer", name="绿源生物", code="lvyuan")


@pytest.fixture
def merchant(region):
    return accounts.create_organization(
        kind="merchant", name="湖滨便利", code="hubin", region=region
    )


@pytest.fixture
def other_merchant(region):
    return accounts.create_organization(
        kind="merchant", name="西溪生活馆", code="xixi", region=region
    )


def make_staff(org: Organization, username: str, role=Membership.Role.MANAGER):
    return accounts.create_staff(
        username=username, password=STAFF_PASSWORD, organization=org, role=role
    )


@pytest.fixture
def platform_staff(platform):
    return make_staff(platform, "ops")


@pytest.fixture
def producer_staff(producer):
    return make_staff(producer, "maker")


@pytest.fixture
def merchant_staff(merchant):
    return make_staff(merchant, "clerk")


@pytest.fixture
def other_merchant_staff(other_merchant):
    return make_staff(other_merchant, "rival")


class ApiClient(Client):
    """JSON in, JSON out, authenticated by a bearer token when given a user."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.token = accounts.issue_api_token(user=user, name="test")[1] if user else None

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path, data=None, headers=None, **kw):
        return super().get(path, data, headers=self._headers(headers), **kw)

    def post(self, path, data=None, headers=None, **kw):
        return super().post(
            path, data or {}, content_type="application/json", headers=self._headers(headers), **kw
        )

    def post_form(self, path, data=None, headers=None, **kw):
        """multipart/form-data, for routes that take files."""
        return super().post(path, data or {}, headers=self._headers(headers), **kw)

    def put(self, path, data=None, headers=None, **kw):
        return super().put(
            path, data or {}, content_type="application/json", headers=self._headers(headers), **kw
        )

    def patch(self, path, data=None, headers=None, **kw):
        return super().patch(
            path, data or {}, content_type="application/json", headers=self._headers(headers), **kw
        )

    def delete(self, path, data=None, headers=None, **kw):
        return super().delete(path, headers=self._headers(headers), **kw)


@pytest.fixture
def api_client():
    """`api_client()` is anonymous; `api_client(user)` carries that user's token."""
    return ApiClient


# ---------------------------------------------------------------- commerce fixtures

ALL_WEEK_OPEN = [{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)]


def make_store(actor, merchant, name, lat=30.2588, lon=120.1648, hours=ALL_WEEK_OPEN):
    from omniretail.stores import services as stores

    store = stores.create_store(
        actor=actor,
        merchant=merchant,
        name=name,
        address=f"杭州市{name}",
        lat=lat,
        lon=lon,
        phone="13900001111",
        city="杭州",
    )
    stores.set_opening_hours(actor=actor, store=store, hours=hours)
    return store


@pytest.fixture
def store(merchant, merchant_staff):
    return make_store(merchant_staff, merchant, "湖滨店")


@pytest.fixture
def other_store(merchant, merchant_staff):
    return make_store(merchant_staff, merchant, "龙翔店", lat=30.2636, lon=120.1664)


@pytest.fixture
def foreign_store(other_merchant, other_merchant_staff):
    return make_store(other_merchant_staff, other_merchant, "西溪店", lat=30.2747, lon=120.0706)


@pytest.fixture
def store_location(store):
    from omniretail.inventory.services import location_for_store

    return location_for_store(store)


@pytest.fixture
def other_store_location(other_store):
    from omniretail.inventory.services import location_for_store

    return location_for_store(other_store)


@pytest.fixture
def approved_product(producer, producer_staff, platform_staff):
    """make(name, price) -> an approved product with one SKU, listed by the producer."""
    from omniretail.catalog import services as catalog

    category = catalog.create_category(actor=platform_staff, name="美妆", slug="fixture-beauty")
    counter = iter(range(1, 10_000))

    def make(name="补水保湿面膜10片", price="39.90"):
        n = next(counter)
        product = catalog.create_product(
            actor=producer_staff,
            owner=producer,
            category=category,
            name=name,
            skus=[{"code": f"FX-{n}", "name": "单件", "price": price}],
        )
        catalog.submit_product(actor=producer_staff, product=product)
        catalog.review_product(actor=platform_staff, product=product, approve=True)
        return product.skus.get()

    return make


@pytest.fixture
def sku(approved_product):
    return approved_product()


@pytest.fixture
def sku2(approved_product):
    return approved_product("明前西湖龙井250g", "398.00")


@pytest.fixture
def shopper(db):
    from omniretail.accounts.models import User

    return User.objects.create(username="m13700000001", phone="13700000001")


@pytest.fixture
def race():
    """race(n, work) runs work(i) for i in range(n) in n threads released together, each on
    its own database connection; returns what each call returned or raised, by index.
    race(n, work, threads=t) shares the n calls out among t threads (t <= n), for more
    calls than the database has connections."""

    def run(n: int, work, *, threads: int | None = None):
        threads = threads or n
        barrier = threading.Barrier(threads)
        outcomes: list = [None] * n

        def worker(t: int) -> None:
            try:
                barrier.wait()
                for i in range(t, n, threads):
                    try:
                        outcomes[i] = work(i)
                    except Exception as exc:
                        outcomes[i] = exc
            finally:
                connection.close()

        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return outcomes

    return run


def admin_client_for(user, *codenames) -> Client:
    """A client logged into the admin as `user`, given admin access and these permissions."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client
