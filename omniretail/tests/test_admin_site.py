"""Every model is in the admin, and every admin page renders for platform staff."""

import pytest
from django.contrib import admin
from django.urls import reverse

from omniretail.demo import load_demo_city


@pytest.mark.django_db(databases="__all__")  # the sandboxes keep their own books
def test_every_admin_changelist_and_add_page_renders(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    load_demo_city(product_total=16)
    client.login(username="admin", password=load_demo_city()["credentials"]["admin"])
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "杭州"}).status_code == 200, changelist
        # django_rq's queue dashboard (with REDIS_URL) is a page over Redis, not a table
        first = model.objects.first() if meta.managed else None
        if first is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            page = client.get(change)
            assert page.status_code == 200, change
            # What an admin excludes (a device's secret hash, a printed code's token) is
            # nowhere on its page.
            for field in model_admin.exclude or ():
                assert str(getattr(first, field)) not in page.content.decode(), (change, field)


def test_every_omniretail_model_is_registered_or_inline():
    """Every app of ours, so a model added anywhere without an admin fails here."""
    from django.apps import apps

    inline = {i.model for a in admin.site._registry.values() for i in a.inlines}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_config.name.startswith("omniretail.")
        and m not in admin.site._registry
        and m not in inline
        and not m._meta.auto_created
    ]
    assert missing == []


@pytest.mark.django_db(databases="__all__")
def test_a_list_page_joins_only_the_relations_its_columns_show(rf):
    """Django's default follows every non-null relation from the listed model, transitively:
    the counters' vend list joined 22 tables, and on PostgreSQL with a few hundred rows its
    plan ran for minutes. Each list page joins what its columns name, nothing more."""
    from django.contrib.auth import get_user_model
    from django.db.models import ForeignKey

    request = rf.get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    too_wide = {}
    for model, model_admin in admin.site._registry.items():
        if not model._meta.managed:
            continue
        shown = {
            f.name
            for name in model_admin.list_display
            if isinstance(name, str)
            for f in model._meta.fields
            if f.name == name and isinstance(f, ForeignKey)
        }
        chosen = model_admin.get_list_select_related(request)
        allowed = 1 + len(shown) + (len(chosen) if isinstance(chosen, list | tuple) else 0)
        query = str(model_admin.get_changelist_instance(request).queryset.query)
        tables = 1 + query.count(" JOIN ")
        if tables > allowed:
            too_wide[model._meta.label] = tables
    assert too_wide == {}
