from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SandboxAlipayConfig(AppConfig):
    name = "omniretail.sandbox_alipay"
    label = "sandbox_alipay"
    verbose_name = "Alipay sandbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from omniretail.sandbox_alipay import routers

        post_migrate.connect(routers.migrate_own_database, sender=self)
