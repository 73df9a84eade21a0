"""Schemathesis drives every API operation with generated input, valid and invalid, from the
OpenAPI document, as a signed-in merchant manager: whatever arrives, never a 500."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from omniretail.accounts import services as accounts

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def bearer(merchant_staff, store):
    # Like Django's test client: keep the test transaction's connection open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "Authorization": f"Bearer {accounts.issue_api_token(user=merchant_staff, name='fuzz')[1]}"
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_with_a_server_error(case, bearer):
    case.call_and_validate(headers=bearer, checks=[not_a_server_error])
