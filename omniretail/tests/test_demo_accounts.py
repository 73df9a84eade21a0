"""The demo city has one account for each role; the sign-in page lists them only while the
embedded demo runs (OMNI_EMBEDDED, set by `omniretail demo`), and each signs in and lands
on its own console."""

import pytest

from omniretail import demo
from omniretail.catalog import demo_photos

pytestmark = pytest.mark.django_db
ROLES = ["顾客", "店员（收银）", "店长", "商家店主", "客服", "厂家", "区域经理", "平台运营", "骑手"]


@pytest.fixture
def city(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    settings.OMNI_EVENTS_DELIVERY = "sweep"
    monkeypatch.setattr(demo, "PROGRAMMES", ())
    monkeypatch.setattr(demo_photos, "photograph_catalogue", lambda actor: 0)
    return demo.load_demo_city(product_total=20)


def test_each_role_signs_in_from_the_demo_page_and_lands_on_its_console(city, settings, client):
    settings.OMNI_EMBEDDED = True
    page = client.get("/login/?mode=staff").content.decode()
    assert page.count('data-testid="demo-account"') == len(ROLES)
    assert all(role in page for role in ROLES)
    for account in demo.sign_in_accounts():
        if not account["password"]:
            assert account["username"] == demo.SHOPPER_PHONES[0]  # an SMS code
            continue
        assert account["password"] in page
        signed = client.post(
            "/login/",
            {
                "mode": "staff",
                "action": "staff",
                "username": account["username"],
                "password": account["password"],
                "next": account["console"],
            },
        )
        assert (signed.status_code, signed["Location"]) == (302, account["console"]), account
        console = client.get(account["console"])
        assert console.status_code == 200, (account, console.status_code)
        client.logout()


def test_the_accounts_are_not_shown_outside_the_embedded_demo_but_printed_by_it(
    city, settings, client, capsys
):
    settings.OMNI_EMBEDDED = False
    assert 'data-testid="demo-accounts"' not in client.get("/login/").content.decode()
    assert demo.sign_in_accounts() == []
    demo.print_credentials(city, "http://127.0.0.1:8000")
    printed = capsys.readouterr().out
    assert all(role in printed for role in ROLES)
    assert f"hubin-clerk      {city['credentials']['hubin-clerk']}" in printed


def test_a_second_load_keeps_the_passwords_and_adds_missing_role_accounts(city, settings):
    import json

    from omniretail.accounts.models import User

    path = settings.DATA_DIR / demo.CREDENTIALS_FILE
    creds = json.loads(path.read_text())
    del creds["hubin-clerk"]
    path.write_text(json.dumps(creds))
    User.objects.filter(username="hubin-clerk").delete()

    again = demo.load_demo_city(product_total=20)
    assert again["created"] is False
    fresh = json.loads(path.read_text())
    assert fresh["hubin-owner"] == creds["hubin-owner"] and fresh["hubin-clerk"]
    assert User.objects.get(username="hubin-clerk").check_password(fresh["hubin-clerk"])
