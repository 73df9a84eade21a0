"""Analytics' part of the demo city: the loyalty demo's merchant runs a birthday campaign
with its 生日礼 coupon, three days early (the member pages record birthdays)."""

from omniretail.analytics import birthday
from omniretail.loyalty import demo as loyalty_demo
from omniretail.loyalty.models import CouponTemplate


def load(city) -> list[str]:
    if loyalty_demo.MERCHANT not in city.merchants:
        return []
    merchant, owner = city.merchants[loyalty_demo.MERCHANT]
    template = CouponTemplate.objects.filter(org=merchant, name="生日礼 满50减10").first()
    if template is None:
        return []
    birthday.start(
        merchant=merchant,
        gift="coupon",
        template_id=template.public_id,
        days_before=3,
        actor=owner,
    )
    return []
