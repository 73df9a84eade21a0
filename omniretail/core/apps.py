from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(using: str, **kwargs) -> None:
    """Without Redis the cache is a database table (settings.CACHES), which migrations do not
    make: every `omniretail migrate` creates it when missing, with Redis too, so dropping
    REDIS_URL later needs no other step."""
    from django.core.management import call_command

    call_command("createcachetable", "omni_cache", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "omniretail.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from omniretail.core import events

        events.autodiscover_handlers()
        post_migrate.connect(_create_cache_table, sender=self)
