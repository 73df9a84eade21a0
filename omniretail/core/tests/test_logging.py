"""With DEBUG off, an unhandled exception is a 500 for the client and a logged traceback
for the operator (on stderr, where the process manager collects it)."""

import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

# A fresh process, configured as in production (DEBUG off), asks for a view that fails.
SCRIPT = """
import django
from django.test.utils import override_settings, setup_test_environment
django.setup()
setup_test_environment()
from django.test import Client
with override_settings(ROOT_URLCONF="omniretail.core.tests.urls_boom"):
    print(Client(raise_request_exception=False).get("/boom/").status_code)
"""


@pytest.mark.urls("omniretail.core.tests.urls_boom")
def test_a_500_is_logged_at_error_with_its_exception(caplog):
    assert not settings.DEBUG
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR and record.exc_info[0] is RuntimeError


def test_a_500_writes_its_traceback_to_stderr_when_debug_is_off(tmp_path):
    env = {**os.environ, "DEBUG": "0", "OMNI_DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 50}
    env["DJANGO_SETTINGS_MODULE"] = "omniretail.settings"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "500", done.stderr
    assert "ERROR django.request Internal Server Error: /boom/" in done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "RuntimeError: 炸了：测试用的未处理异常" in done.stderr
