"""Real-name identities for member de-duplication (docs/analytics.md): the provider's
outcome of an account's check of 姓名 + 身份证号 is recorded with the ID number as a keyed
hash (so equal numbers are found without storing them) and masked for display. Accounts
whose verified checks share the hash are proposed for merging as 同实名身份."""

import re
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.analytics.models import VerifiedIdentity
from omniretail.core.errors import field_error
from omniretail.core.signing import sign

_ID = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # GB 11643: the check character for sum mod 11


def normalise_id_number(raw: str | None) -> str | None:
    """The 18-character resident ID a typed one stands for (spaces taken off, x upper-cased),
    or None when it is none (wrong length or check character)."""
    number = re.sub(r"\s", "", raw or "").upper()
    if not _ID.match(number):
        return None
    total = sum(int(c) * w for c, w in zip(number[:17], _WEIGHTS, strict=True))
    return number if _CHECK[total % 11] == number[17] else None


def mask_id(number: str) -> str:
    """110***********123X: the region's first three and the last four, as on receipts."""
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def mask_name(name: str) -> str:
    """王*, 欧阳** : the first character only."""
    return name[:1] + "*" * (len(name) - 1)


def id_hash(number: str) -> str:
    # keyed, so the table cannot be reversed by hashing every possible ID number
    return sign(settings.SECRET_KEY, f"identity:{number}")


def record(*, user, name: str, id_number: str, verified: bool, provider: str) -> VerifiedIdentity:
    """Keeps the provider's outcome of the user's latest check (a re-check replaces it).
    An ID number that is no resident ID, or an empty name, is a 422."""
    number = normalise_id_number(id_number)
    if number is None:
        raise field_error("id_number", _("身份证号无效。"))
    name = (name or "").strip()
    if not name or len(name) > 30:
        raise field_error("name", _("请填写证件上的姓名。"))
    identity, _created = VerifiedIdentity.objects.update_or_create(
        user=user,
        defaults={
            "status": VerifiedIdentity.Status.VERIFIED
            if verified
            else VerifiedIdentity.Status.FAILED,
            "id_hash": id_hash(number),
            "id_masked": mask_id(number),
            "name_masked": mask_name(name),
            "provider": provider[:40],
            "checked_at": timezone.now(),
        },
    )
    return identity


def same_person(a_id: int, b_id: int) -> bool:
    """Both accounts passed a real-name check of the same ID number."""
    hashes = list(
        VerifiedIdentity.objects.filter(
            user_id__in=[a_id, b_id], status=VerifiedIdentity.Status.VERIFIED
        ).values_list("id_hash", flat=True)
    )
    return len(hashes) == 2 and hashes[0] == hashes[1]


def duplicates() -> list[dict]:
    """Groups of accounts verified as the same ID number, each oldest first, with the masked
    number (a failed check proves nothing and is left out)."""
    verified = VerifiedIdentity.objects.filter(status=VerifiedIdentity.Status.VERIFIED)
    shared = (
        verified.values("id_hash")
        .order_by()
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("id_hash", flat=True)
    )
    groups: dict[str, list] = defaultdict(list)
    masked = {}
    for v in verified.filter(id_hash__in=list(shared)).order_by("user_id"):
        groups[v.id_hash].append(v.user_id)
        masked[v.id_hash] = v.id_masked
    users = get_user_model().objects.in_bulk([u for ids in groups.values() for u in ids])
    return [
        {"id_masked": masked[h], "users": [users[u] for u in ids]}
        for h, ids in sorted(groups.items(), key=lambda kv: kv[1][0])
    ]
