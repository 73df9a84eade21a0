from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """Community groups (社群): shoppers create and join groups owned by the platform, a
    merchant, a store or a neighbourhood, chat in real time (Channels) and are moderated."""

    name = "omniretail.community"
    label = "community"
    verbose_name = _("社群")
