"""Orders no member places: a smart counter's own payment-code reader or the QR on its
screen. Priced, reserved and paid as a checkout is, with nobody to lock or limit; the payer
is known only to the provider."""

from django.utils.translation import gettext as _

from omniretail.core.errors import field_error
from omniretail.orders import services
from omniretail.orders.models import Order
from omniretail.payments import selectors as payment_selectors
from omniretail.payments.providers.base import Capability

# A payer with no account here pays by scanning (QR) or by being scanned (payment code).
ANONYMOUS = frozenset({Capability.PAYMENT_CODE, Capability.QR})


def place(
    *, lines, fulfilment: services.Fulfilment, payment_provider: str, note: str = ""
) -> Order:
    if payment_provider not in payment_selectors.method_names(capabilities=ANONYMOUS):
        raise field_error("provider", _("请选择可扫码或付款码支付的方式（微信支付、支付宝）。"))
    return services._place_order(
        shopper=None,
        merged=services._merge_lines(lines),
        fulfilment=fulfilment,
        payment_provider=payment_provider,
        note=note,
    )
