"""收款终端 as a merchant's manager uses it: register (the credential shown once, and it works
on the device API), see it online, revoke it (then the device is refused)."""

import pytest
from django.test import Client

from omniretail.terminals.models import Terminal

pytestmark = pytest.mark.django_db


def test_a_manager_registers_a_terminal_sees_its_credential_once_and_revokes_it(
    merchant_staff, store, api_client
):
    client = Client()
    client.force_login(merchant_staff)
    assert "收款终端" in client.get("/merchant/").content.decode()
    refused = client.post("/merchant/terminals/", {"name": ""})
    assert refused.status_code == 422 and not Terminal.objects.exists()
    created = client.post("/merchant/terminals/", {"name": "收银台 1 號"})
    assert created.status_code == 201
    page = created.content.decode()
    terminal = Terminal.objects.get()
    credential = page.split('data-testid="credential">')[1].split("<")[0]
    assert credential.startswith(terminal.key_id + ".")
    device = api_client().get(
        "/api/terminals/device/jobs/next", headers={"Authorization": f"Terminal {credential}"}
    )
    assert device.status_code == 204  # the credential works: no job yet
    listing = client.get("/merchant/terminals/").content.decode()
    assert "收银台 1 號" in listing and credential not in listing  # never shown again
    client.post(f"/merchant/terminals/{terminal.public_id}/revoke/")
    refused = api_client().get(
        "/api/terminals/device/jobs/next", headers={"Authorization": f"Terminal {credential}"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "credential_revoked"
