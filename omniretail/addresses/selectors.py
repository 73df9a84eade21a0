from django.db.models import QuerySet

from omniretail.addresses.models import Address


def addresses_of(user) -> QuerySet[Address]:
    """The default first, then the most recently used or edited."""
    if not getattr(user, "is_authenticated", False):
        return Address.objects.none()
    return Address.objects.filter(user=user)


def default_address(user) -> Address | None:
    return addresses_of(user).first()
