"""Points issued against one merchant and spent at another: who owes whom, per month, in
yuan; the same month always gives the same statement."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from omniretail.core.errors import ValidationFailed
from omniretail.loyalty import selectors, services, settlement
from omniretail.loyalty.models import SettlementLine, Statement

PTS = services.PLATFORM_POINTS
pytestmark = pytest.mark.django_db


def last_month() -> date:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def test_points_issued_by_a_and_spent_at_b_mean_a_owes_b(
    shopper, merchant, other_merchant, settings
):
    settings.OMNI_POINT_VALUE_YUAN = "0.05"
    services.award_points(
        user=shopper,
        asset_code=PTS,
        points=100,
        reason="a",
        idempotency_key="a",
        source_org=merchant,
    )
    spend = services.spend_points(
        user=shopper,
        asset_code=PTS,
        points=60,
        reason="b",
        idempotency_key="s",
        spent_at_org=other_merchant,
    )
    services.spend_points(
        user=shopper,
        asset_code=PTS,
        points=10,
        reason="a",
        idempotency_key="s2",
        spent_at_org=merchant,
    )
    SettlementLine.objects.update(created_at=timezone.now() - timedelta(days=40))
    month = settlement.first_of_month(timezone.localdate() - timedelta(days=40))

    a = settlement.compute(org=merchant, month=month)
    b = settlement.compute(org=other_merchant, month=month)
    assert a["net_points"] == -60 and str(a["net_yuan"]) == "-3.00"
    assert b["net_points"] == 60 and b["lines"][0]["counterparty"] == merchant.public_id
    assert settlement.compute(org=merchant, month=month) == a  # reproducible

    services.refund_spend(posting_id=spend.public_id, idempotency_key="r", reason="void")
    assert settlement.compute(org=merchant, month=month) == a  # a refund lands in its own month
    assert selectors.balance(shopper, PTS) == 90


def test_a_statement_is_built_once_for_an_ended_month_and_verifies(merchant):
    statement = settlement.build_statement(org=merchant, month=last_month())
    assert settlement.build_statement(org=merchant, month=last_month()).pk == statement.pk
    settlement.verify_statement(statement)
    # read back, its point value has the column's four places (0.0100): it still verifies
    settlement.verify_statement(Statement.objects.get(pk=statement.pk))
    with pytest.raises(ValidationFailed):
        settlement.build_statement(org=merchant, month=timezone.localdate())
    with pytest.raises(ValidationFailed):  # year 1: not a month of ours (and no 500)
        settlement.build_statement(org=merchant, month=date(1, 1, 1))


def test_the_statements_command_prints_each_merchant(merchant, capsys):
    call_command("loyalty_statements", month=last_month().strftime("%Y-%m"))
    out = capsys.readouterr().out
    assert merchant.name in out and "0.00" in out and "issued" in out
    call_command("loyalty_statements", month=last_month().strftime("%Y-%m"))  # verified again
    assert capsys.readouterr().out == out


def test_a_month_reads_its_merchants_once_not_once_per_statement(merchant, other_merchant):
    """`loyalty-statements` and the operator's 出具 build the month: the organisations are
    read in one statement, and each statement is checked and printed with the one read."""
    settlement.build_month(last_month())
    with CaptureQueriesContext(connection) as ctx:
        again = settlement.build_month(last_month())
        names = {s.org.name for s in again}
    assert names == {merchant.name, other_merchant.name}
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_organization"' in q["sql"]]
    assert len(reads) == 1, reads
