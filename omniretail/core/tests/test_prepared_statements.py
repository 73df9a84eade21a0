"""On PostgreSQL a statement a connection sends again and again is prepared there after its
fifth run (docs/operations.md "Processes and release"): parsed and planned once, its values
bound by the server. A pooler in front must keep prepared statements."""

import pytest
from django.db import connection

from omniretail.accounts.models import Organization

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SHAPE = '%."code" AS "code", "accounts_organization"."name" AS "name" FROM "accounts_organization"%'


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql AND statement LIKE %s",
            [SHAPE],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_sent_five_times_is_prepared_with_its_values_bound_by_the_server():
    name = "湖濱 優選 旗艦店"
    codes = Organization.objects.filter(name=name).values_list("code", "name")
    for _ in range(4):
        assert codes.first() is None
    assert prepared() == []

    for _ in range(2):  # the fifth run prepares it, the sixth uses it
        assert codes.first() is None
    (statement,) = prepared()
    assert "$1" in statement and name not in statement  # the value travels apart
