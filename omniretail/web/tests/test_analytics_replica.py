"""With a read replica (DATABASE_REPLICA_URL, the `replica` alias) the dashboards read the
roll-ups from it and not from the primary; without one they read the primary. The replica
here is the test database itself (TEST MIRROR), so the rows are committed for it to see."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from omniretail.analytics.models import Channel, DailySales
from omniretail.conftest import make_staff
from omniretail.supply.models import Offer

ROLLUPS = {
    m._meta.db_table
    for m in apps.get_app_config("analytics").get_models()
    if m.__name__.startswith(("Daily", "Hourly")) or m.__name__ == "FirstPurchase"
}

# (page, who reads it) over each report module: sales, economics, marketing, counters,
# producer and region supply, and the producer's forecast.
PAGES = [
    ("web:ops_analytics", "platform"),
    ("web:m_analytics", "merchant"),
    ("web:ops_economics", "platform"),
    ("web:m_analytics_marketing", "merchant"),
    ("web:ops_analytics_counters", "platform"),
    ("web:producer_analytics", "producer"),
    ("web:producer_production", "producer"),
    ("web:region_analytics", "region"),
]


@pytest.fixture(scope="class")
def replica(django_db_setup):
    """A `replica` alias as settings.py adds it for DATABASE_REPLICA_URL, reading the test
    database through a connection of its own (there before each test's database set-up,
    which must allow it)."""
    default = connections["default"].settings_dict
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(
            settings.DATABASES,
            "replica",
            {**default, "TEST": {**default["TEST"], "MIRROR": "default"}},
        )
        yield
        connection = connections["replica"]
        connection.close()
        if connection.vendor == "postgresql":
            connection.close_pool()  # its sessions would keep the test database in use
        del connections["replica"]


@pytest.fixture
def reader(platform_staff, merchant_staff, producer_staff, producer, region, store, sku):
    """Each dashboard's reader, with a store and a producer's offer so that every page has
    roll-ups to read."""
    Offer.objects.create(
        sku=sku,
        product=sku.product,
        producer=producer,
        wholesale_price=Decimal("10"),
        wholesale_ceiling=Decimal("12"),
    )
    staff = {"platform": platform_staff, "merchant": merchant_staff, "producer": producer_staff}
    return lambda role: staff.get(role) or make_staff(region, "region-reader")


def rollup_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in ROLLUPS)]


@pytest.mark.usefixtures("replica")
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
class TestWithAReplica:
    @pytest.mark.parametrize(("page", "role"), PAGES)
    def test_the_dashboards_read_the_rollups_from_it(self, client, reader, page, role):
        client.force_login(reader(role))
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replicated,
        ):
            response = client.get(reverse(page))

        assert response.status_code == 200
        assert rollup_reads(replicated.captured_queries)
        assert rollup_reads(primary.captured_queries) == []

    def test_the_page_shows_the_figures_rolled_up(self, client, platform_staff, merchant, store):
        today = timezone.localdate()
        for day, gmv in ((today, "388.00"), (today - timedelta(days=35), "120.00")):
            DailySales.objects.create(
                day=day,
                merchant=merchant,
                store=store,
                channel=Channel.PICKUP,
                orders=2,
                gmv=Decimal(gmv),
                refunded=Decimal("0"),
            )
        client.force_login(platform_staff)

        page = client.get(reverse("web:ops_analytics"))

        figures = {f["key"]: f for f in page.context["figures"]}
        assert figures["gmv"]["value"] == Decimal("388.00")
        assert figures["gmv"]["previous"] == Decimal("120.00")
        assert "到店自提" in page.content.decode()


@pytest.mark.parametrize(("page", "role"), PAGES)
def test_without_a_replica_the_dashboards_read_the_primary(client, reader, page, role):
    assert "replica" not in settings.DATABASES
    client.force_login(reader(role))
    with CaptureQueriesContext(connections["default"]) as primary:
        response = client.get(reverse(page))

    assert response.status_code == 200
    assert rollup_reads(primary.captured_queries)
