"""The sandbox keeps its books apart from the shop's where the database is SQLite: the shop's
refund or payment-code transaction, which asks the sandbox over HTTP, holds SQLite's one
write lock, and the sandbox writing to the same file would wait for it until both time out."""

from django.conf import settings

APP = "sandbox_wechatpay"
ALIAS = "sandbox_wechatpay"


def _own() -> bool:
    return ALIAS in settings.DATABASES


class OwnDatabase:
    def db_for_read(self, model, **hints):
        return ALIAS if model._meta.app_label == APP and _own() else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        if not _own():
            return None
        if app_label == APP:
            return db == ALIAS
        return False if db == ALIAS else None
