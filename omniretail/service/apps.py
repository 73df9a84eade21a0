from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    """Customer service: the FAQ assistant, hand-off to human agents (人工坐席), offline
    messages (留言) and complaints. Above orders, whose selectors answer "where is my order"."""

    name = "omniretail.service"
    label = "service"
    verbose_name = _("客户服务")
