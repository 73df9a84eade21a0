"""The platform's admin site: Django's own, except that a list page joins only the relations
its columns show. Django's default for a list showing a relation is `select_related()` of
every non-null relation, transitively: the counters' vend list joined 22 tables, and on
PostgreSQL a plan over them ran for minutes."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.db.models import ForeignKey
from django.db.models.base import ModelBase


def shown_relations(model, admin_class) -> list[str]:
    """The forward relations the list's columns name."""
    names = {n for n in admin_class.list_display if isinstance(n, str)}
    return [f.name for f in model._meta.fields if f.name in names and isinstance(f, ForeignKey)]


class Site(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            chosen = admin_class or admin.ModelAdmin
            if chosen.list_select_related is False:
                joined = {"list_select_related": shown_relations(model, chosen)}
                chosen = type(chosen.__name__, (chosen,), joined)
            super().register(model, chosen, **options)


class AdminConfig(DjangoAdminConfig):
    default_site = "omniretail.core.admin_site.Site"
