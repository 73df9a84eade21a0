from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarningConfig(AppConfig):
    """Loyalty's half that reads orders: orders calls loyalty's coupons at checkout, so what
    reacts to orders (points for a paid order, their claw-back, a cancelled order's coupon)
    lives here, above orders, as a programme."""

    name = "omniretail.earning"
    label = "earning"
    verbose_name = _("订单积分")
