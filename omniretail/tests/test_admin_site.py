"""Every model is in the admin, and every admin page renders for platform staff."""

import pytest
from django.contrib import admin
from django.urls import reverse

from omniretail.demo import load_demo_city


@pytest.mark.django_db
def test_every_admin_changelist_and_add_page_renders(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    load_demo_city(product_total=16)
    client.login(username="admin", password=load_demo_city()["credentials"]["admin"])
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "杭州"}).status_code == 200, changelist
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            assert client.get(change).status_code == 200, change


def test_every_omniretail_model_is_registered_or_inline():
    from django.apps import apps

    inline = {i.model for a in admin.site._registry.values() for i in a.inlines}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label
        in {
            "accounts",
            "catalog",
            "stores",
            "inventory",
            "orders",
            "payments",
            "ledger",
            "notifications",
            "core",
        }
        and m not in admin.site._registry
        and m not in inline
        and not m._meta.auto_created
    ]
    assert missing == []
