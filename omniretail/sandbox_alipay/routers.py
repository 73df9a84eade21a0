"""The sandbox's tables live in a database of their own where one is configured (SQLite:
`settings.DATABASES["sandbox_alipay"]`), otherwise beside the platform's."""

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS

ALIAS = APP = "sandbox_alipay"


def own_database() -> str | None:
    return ALIAS if ALIAS in settings.DATABASES else None


class OwnDatabase:
    def db_for_read(self, model, **hints):
        return own_database() if model._meta.app_label == APP else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        own = own_database()
        if own is None:
            return None
        if app_label == APP:
            return db == own
        return False if db == own else None


def migrate_own_database(*, using: str, **kwargs) -> None:
    """`migrate` brings the sandbox's own database up to date with the platform's (a test
    run creates and migrates each test database itself)."""
    default = settings.DATABASES[DEFAULT_DB_ALIAS]
    if using != DEFAULT_DB_ALIAS or own_database() is None:
        return
    if default["NAME"] == default.get("TEST", {}).get("NAME"):
        return
    call_command("migrate", APP, database=ALIAS, interactive=False, verbosity=0)
