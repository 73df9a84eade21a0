"""Every model in the admin has a Chinese name in the Chinese admin and an English one in
the English admin (a Django-derived name such as "sent smss" shows English to everyone)."""

import re

import pytest
from django.contrib import admin
from django.utils import translation

HAN = re.compile(r"[\u4e00-\u9fff]")

# Ours, and django_tasks_db's "Task Result" (the package's own string, which our catalogue
# translates); django_rq's dashboard link (with Redis) keeps its brand name, Django-RQ.
MODELS = sorted(
    (
        m
        for m in admin.site._registry
        if m._meta.app_config.name.startswith("omniretail.")
        or m._meta.app_label == "django_tasks_database"
    ),
    key=lambda m: m._meta.label,
)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_names_follow_the_language(model):
    meta = model._meta
    with translation.override("zh-hans"):
        chinese = [str(meta.verbose_name), str(meta.verbose_name_plural)]
    with translation.override("en"):
        english = [str(meta.verbose_name), str(meta.verbose_name_plural)]
    assert all(HAN.search(name) for name in chinese), chinese
    assert not any(HAN.search(name) for name in english), english
