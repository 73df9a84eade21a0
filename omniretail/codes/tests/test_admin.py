"""The admin shows a producer's staff their own batches only, read-only."""

import pytest

from omniretail.accounts import services as accounts
from omniretail.conftest import admin_client_for, make_staff

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/codes/codebatch/"


def test_producer_staff_see_only_their_own_batches_and_cannot_change_them(
    make_batch, producer_staff
):
    mine = make_batch(quantity=2)
    own = admin_client_for(producer_staff, "view_codebatch")
    assert mine.public_id in own.get(CHANGELIST).text
    rival = accounts.create_organization(kind="producer", name="别家", code="rival")
    rival_staff = make_staff(rival, "rival-maker")
    client = admin_client_for(rival_staff, "view_codebatch", "change_codebatch")

    assert mine.public_id not in client.get(CHANGELIST).text
    theirs, absent = (client.get(f"{CHANGELIST}{pk}/change/") for pk in (mine.pk, 999999))
    assert (theirs.status_code, theirs.url) == (absent.status_code, absent.url) == (302, "/admin/")
