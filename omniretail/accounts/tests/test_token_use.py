"""An API token's last use is shown to its owner (GET /api/auth/tokens), stamped at most once
a minute: the stamp is a write on the hot path of every API call."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from omniretail.accounts.models import ApiToken, User
from omniretail.accounts.services import authenticate_api_token, issue_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    user = User.objects.create(username="pos", phone="13900139011")
    return issue_api_token(user=user, name="收银台")


def _stamps(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_second_request_within_a_minute_does_not_write_last_used_at(token):
    row, raw = token
    with CaptureQueriesContext(connection) as first:
        assert authenticate_api_token(raw) == row.user
    with CaptureQueriesContext(connection) as second:
        assert authenticate_api_token(raw) == row.user
    assert len(_stamps(first)) == 1 and _stamps(second) == []
    assert len(second.captured_queries) == 1  # the token and its user, nothing written
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None


def test_a_use_stamped_by_a_concurrent_request_is_not_stamped_again_within_the_minute(token):
    row, raw = token
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))
    stamped = timezone.now() - timedelta(seconds=1)

    def another_request_stamps_it_meanwhile(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("SELECT") and "accounts_apitoken" in sql:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=stamped)
        return result

    with connection.execute_wrapper(another_request_stamps_it_meanwhile):
        assert authenticate_api_token(raw) == row.user
    assert ApiToken.objects.get(pk=row.pk).last_used_at == stamped


def test_a_use_after_a_minute_is_stamped_again(token):
    row, raw = token
    earlier = timezone.now() - timedelta(seconds=61)
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=earlier)
    assert authenticate_api_token(raw) == row.user
    assert ApiToken.objects.get(pk=row.pk).last_used_at > earlier
