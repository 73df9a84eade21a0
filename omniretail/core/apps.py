from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "omniretail.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from omniretail.core import events

        events.autodiscover_handlers()
