import pytest

from omniretail.accounts.models import Membership, User
from omniretail.conftest import make_staff


@pytest.fixture
def platform_admin(platform):
    """The platform's administrator: the default owner of platform groups."""
    return make_staff(platform, "admin-wang", role=Membership.Role.OWNER)


@pytest.fixture
def people(db):
    """make(n) -> shoppers with phones and display names 小王0, 小王1, ..."""
    made = iter(range(10_000))

    def make(n=1):
        out = []
        for _ in range(n):
            i = next(made)
            out.append(
                User.objects.create(
                    username=f"m1390000{i:04d}", phone=f"1390000{i:04d}", display_name=f"小王{i}"
                )
            )
        return out

    return make
