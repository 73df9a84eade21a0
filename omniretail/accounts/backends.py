"""How a request's signed-in user is loaded from its session."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from omniretail.accounts.models import User
from omniretail.core import reads

# Sessions signed in before this backend existed name Django's; it stays listed after this
# one (settings.AUTHENTICATION_BACKENDS) so they keep loading until they sign in again.
LEGACY = "django.contrib.auth.backends.ModelBackend"
PATH = "omniretail.accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    """Django's ModelBackend, with the signed-in user read in one plain statement
    (core.reads): every page a member opens loads them, and compiling the ORM's get() cost
    more CPU than running it."""

    def get_user(self, user_id):
        found = reads.where(User, "t0.id = %s", [user_id])
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Refused here, not passed on: the legacy entry behind this one would hash the
            # wrong password a second time.
            raise PermissionDenied
        return user
