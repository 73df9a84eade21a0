from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "omniretail.privacy"
    label = "privacy"
    verbose_name = _("个人信息保护")

    def ready(self) -> None:
        from omniretail.accounts.privacy import ConsentGate, register_consent_gate
        from omniretail.privacy import services

        register_consent_gate(
            ConsentGate(require=services.require_accepted_version, record=services.record_consent)
        )
