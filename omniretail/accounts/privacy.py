"""The account's own part of closing it (PIPL): what identifies the person goes, the row
stays, because orders, the ledger and consent records point at it and must be kept."""

from django.db import transaction
from django.utils import timezone

from omniretail.accounts.models import ApiToken, User


@transaction.atomic
def anonymise_user(user: User) -> User:
    """No phone, name or e-mail, no way to sign in; the public id (the ledger's owner key)
    is kept, so the kept records still add up."""
    user.phone = None
    user.username = f"closed-{user.public_id}"
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return user
