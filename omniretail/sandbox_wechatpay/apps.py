from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SandboxWeChatPayConfig(AppConfig):
    name = "omniretail.sandbox_wechatpay"
    label = "sandbox_wechatpay"
    verbose_name = "WeChat Pay sandbox"

    def ready(self) -> None:
        post_migrate.connect(_migrate_own_database, sender=self)


def _migrate_own_database(sender, using, **kwargs) -> None:
    """`omniretail migrate` brings the sandbox's own database (routers.ALIAS) up to date too,
    so the release step and `make demo` stay one command. A flush (a test's teardown) sends
    the same signal without a migration plan: nothing to migrate then."""
    from django.conf import settings
    from django.core.management import call_command

    from omniretail.sandbox_wechatpay.routers import ALIAS

    if "plan" not in kwargs:
        return
    if using != ALIAS and ALIAS in settings.DATABASES and settings.OMNI_SANDBOX_WECHATPAY:
        call_command("migrate", sender.label, database=ALIAS, interactive=False, verbosity=0)
