"""What a single join costs the database (issue 22): the flash-sale path, one shopper after
the other, as `bench/groupbuy.py` measures it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.core.errors import Conflict
from omniretail.groupbuy import services
from omniretail.groupbuy.models import Member, Seat
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def _statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(CONTROL)]


@pytest.mark.postgres
def test_a_join_on_postgresql_is_one_statement_and_reads_nothing(groupbuys):
    """The seat's claim feeds the member's INSERT and the intent's in one statement. The
    member comes back as written, with its seat and group, and its intent with its id."""
    campaign = groupbuys.campaign(quantity=1, group_size=2)
    shopper = groupbuys.shopper(1)
    with CaptureQueriesContext(connection) as ctx:
        member = services.join(shopper=shopper, campaign=campaign, provider="sandbox_gateway")
    statements = _statements(ctx)
    assert len(statements) == 1 and not [s for s in statements if s.startswith("SELECT")]
    assert member.public_id in statements[0]  # logged with its values, though prepared
    stored = Member.objects.select_related("group").get(pk=member.pk)
    assert (member.seat_id, member.seat_number) == (stored.seat_id, 1)
    assert (member.group.public_id, member.group.commitment) == (
        stored.group.public_id,
        stored.group.commitment,
    )
    assert member.joined_at == stored.joined_at and member.pay_by == stored.pay_by
    assert PaymentIntent.objects.get(public_id=stored.intent_id).reference == stored.public_id


def test_a_refused_join_writes_neither_member_nor_intent(groupbuys):
    """Full, or the same shopper again: a 409 and nothing of the refused join is left."""
    campaign = groupbuys.campaign(quantity=1, group_size=2)
    first, second, third = (groupbuys.shopper(n) for n in (1, 2, 3))
    services.join(shopper=first, campaign=campaign, provider="sandbox_gateway")
    with pytest.raises(Conflict) as again:
        services.join(shopper=first, campaign=campaign, provider="sandbox_gateway")
    services.join(shopper=second, campaign=campaign, provider="sandbox_gateway")
    with pytest.raises(Conflict) as full:
        services.join(shopper=third, campaign=campaign, provider="sandbox_gateway")
    assert (again.value.code, full.value.code) == ("already_joined", "campaign_full")
    assert Member.objects.filter(campaign=campaign).count() == 2
    assert PaymentIntent.objects.filter(purpose=services.PURPOSE).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_join_outside_a_transaction_is_one_round_trip_planned_once(groupbuys):
    """No BEGIN or COMMIT around the one statement, which is its own transaction: refused
    (the same shopper again, from another tab), it leaves nothing. From the sixth join on
    PostgreSQL keeps the statement prepared on the connection, as any statement sent that
    often: a join is no longer parsed and planned again."""
    campaign = groupbuys.campaign(quantity=2, group_size=4)
    first = groupbuys.shopper(1)
    with CaptureQueriesContext(connection) as ctx:
        services.join(shopper=first, campaign=campaign, provider="sandbox_gateway")
    assert [q["sql"][:4] for q in ctx.captured_queries] == ["WITH"]
    with CaptureQueriesContext(connection) as ctx, pytest.raises(Conflict) as again:
        services.join(shopper=first, campaign=campaign, provider="sandbox_gateway")
    assert ctx.captured_queries[0]["sql"].startswith("WITH")  # logged though refused
    assert again.value.code == "already_joined"
    for n in range(2, 7):
        services.join(shopper=groupbuys.shopper(n), campaign=campaign, provider="sandbox_gateway")
    assert Member.objects.filter(campaign=campaign).count() == 6
    assert Seat.objects.filter(campaign=campaign, taken=True).count() == 6
    assert PaymentIntent.objects.filter(purpose=services.PURPOSE).count() == 6
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["WITH seat AS (%UPDATE groupbuy_seat%"],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
def test_the_prepared_claim_never_reads_every_seat_even_planned_generically(groupbuys):
    """After five runs PostgreSQL may plan a prepared statement once for any values (a
    generic plan): the claim must still take its seat by the seat's key, not by reading
    every seat of every campaign (with `taken` bound as a value the generic plan could
    not use the free-seat index's condition, and scanned the table). An earlier campaign's
    seats, all taken, come first by key, as a live table's do: with this campaign's seats
    alone, every seat matched, and walking the primary key was a tie the planner took at
    times."""
    earlier = groupbuys.campaign(quantity=4, group_size=500)
    Seat.objects.filter(campaign=earlier).update(taken=True)
    campaign = groupbuys.campaign(quantity=2, group_size=500)
    sql, params = services._claim_sql(campaign, None, 1, with_group=True)
    numbered = sql.replace("%s", "{}").format(*(f"${i}" for i in range(1, len(params) + 1)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groupbuy_seat")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE claim AS {numbered}")
        explain = f"EXPLAIN EXECUTE claim({', '.join(['%s'] * len(params))})"
        cursor.execute(connection.ops.compose_sql(explain, params))  # no server binding here
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE claim")
    assert "Seq Scan on groupbuy_seat" not in plan and "Index Cond: (id = $" in plan, plan
    assert "groupbuy_free_seat_idx" in plan, plan
