"""Production settings: `check --deploy` with a production environment (DEBUG off, an https
base URL) raises none of the HTTPS warnings; every page carries a Content-Security-Policy
whose nonce is the one its inline scripts carry; uploaded photos are served with DEBUG off,
as images only."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from omniretail.core.uploads import save_photos
from omniretail.testing.images import photo

HTTPS_WARNINGS = ("security.W004", "security.W008", "security.W012", "security.W016")


def deploy_check(tmp_path, **env) -> str:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("OMNI_", "DEBUG"))}
    environ = {
        **inherited,
        "DEBUG": "0",
        "OMNI_DATA_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "shop.example.cn",
        "DJANGO_SETTINGS_MODULE": "omniretail.settings",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


def test_check_deploy_with_an_https_base_url_raises_no_https_warning(tmp_path):
    out = deploy_check(tmp_path, OMNI_PUBLIC_BASE_URL="https://shop.example.cn")
    assert [w for w in HTTPS_WARNINGS if w in out] == [], out


def test_each_https_setting_can_still_be_turned_off(tmp_path):
    out = deploy_check(
        tmp_path, OMNI_PUBLIC_BASE_URL="https://shop.example.cn", OMNI_SSL_REDIRECT="0"
    )
    assert "security.W008" in out and "security.W004" not in out


@pytest.mark.django_db
def test_pages_carry_a_csp_whose_nonce_their_inline_scripts_carry(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert nonce != re.search(
        r"'nonce-([^']+)'", client.get("/login/")["Content-Security-Policy"]
    ).group(1)
    body = response.content.decode()
    assert " onclick=" not in body and " onchange=" not in body and " onsubmit=" not in body
    for tag in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", body):
        assert f'nonce="{nonce}"' in tag


@pytest.mark.django_db
def test_a_stored_photo_is_served_with_debug_off_as_an_image_only(settings):
    assert not settings.DEBUG
    (name,) = save_photos([photo("PNG", "x.png")], folder="after-sales")
    response = Client().get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for other in ("after-sales/../secret_key", "secret_key", name.replace(".png", ".svg")):
        assert Client().get(f"/media/{other}").status_code == 404
