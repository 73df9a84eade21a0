"""Data quality (docs/analytics.md): cleaning rules over members, stores and goods, each a
query that lists the rows to fix, and their counts kept per day so the page shows whether
things get better. Phones are normalised (spaces, dashes, brackets, +86/0086/86 taken off)
and must then be a mainland mobile number; two accounts whose phones normalise to the same
number are the same person twice, as are two accounts verified as one real-name identity."""

import re
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omniretail.analytics import identity
from omniretail.analytics.models import QualityCount
from omniretail.catalog import duplicates
from omniretail.catalog.models import Product
from omniretail.stores.models import Store

MOBILE = r"^1[3-9][0-9]{9}$"
_MOBILE = re.compile(MOBILE)
_NOISE = re.compile(r"[\s\-()（）.]")
LIMIT = 200  # rows listed per check (the count is of all)

# goods the checks skip: drafts, and listings merged into another (catalog.merge)
RETIRED = [Product.Status.DRAFT, Product.Status.MERGED]

# mainland China, roughly: a store outside it (or at 0, 0) has no real position
LAT = (18.0, 54.0)
LON = (73.0, 135.0)


def normalise_phone(raw: str | None) -> str | None:
    """The mainland mobile number a typed phone stands for, or None when it is none."""
    digits = _NOISE.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MOBILE.match(digits) else None


def _odd_phones():
    """Users whose stored phone is not a plain mobile number."""
    users = get_user_model().objects.exclude(phone__isnull=True).exclude(phone="")
    return users.exclude(phone__regex=MOBILE).order_by("pk")


def invalid_phones() -> list[dict]:
    """Stored phones that are no mobile number even normalised."""
    return [
        {"user": u, "phone": u.phone} for u in _odd_phones() if normalise_phone(u.phone) is None
    ]


REASONS = {"phone": _("同手机号"), "identity": _("同实名身份")}


def _same_phone() -> list[dict]:
    """Groups of accounts whose phones normalise to one number (only an account stored in
    another form can share it: stored phones are unique)."""
    User = get_user_model()
    wanted: dict[str, list] = defaultdict(list)
    for u in _odd_phones():
        if normal := normalise_phone(u.phone):
            wanted[normal].append(u)
    for u in User.objects.filter(phone__in=list(wanted)):
        wanted[u.phone].append(u)
    return [{"phone": phone, "users": users} for phone, users in wanted.items() if len(users) > 1]


def duplicate_members() -> list[dict]:
    """Groups of accounts that are one person: the same normalised phone or the same
    verified real-name identity (`analytics.identity`), each group oldest first with its
    reasons (a group found both ways is listed once, with both), the ID number masked."""
    groups: dict[frozenset, dict] = {}
    for reason, found in (("phone", _same_phone()), ("identity", identity.duplicates())):
        for g in found:
            row = groups.setdefault(
                frozenset(u.pk for u in g["users"]),
                {"reasons": [], "phone": "", "id_masked": "", "users": g["users"]},
            )
            row["reasons"].append(reason)
            row["phone"] = row["phone"] or g.get("phone", "")
            row["id_masked"] = row["id_masked"] or g.get("id_masked", "")
    rows = sorted(groups.values(), key=lambda r: min(u.pk for u in r["users"]))
    for row in rows:
        row["users"] = sorted(row["users"], key=lambda u: u.pk)
        row["labels"] = [REASONS[r] for r in row["reasons"]]
    return rows


def stores_without_position():
    outside = Store.objects.exclude(
        lat__gte=LAT[0], lat__lte=LAT[1], lon__gte=LON[0], lon__lte=LON[1]
    )
    return outside.select_related("merchant").order_by("pk")


def products_without_images():
    return Product.objects.exclude(status__in=RETIRED).filter(images__isnull=True).order_by("pk")


def duplicate_products() -> list[dict]:
    """Goods past draft, not merged away, that one owner listed twice under one brand
    (`catalog.duplicates`: the same set of folded jieba words), each group oldest first."""
    listed = Product.objects.exclude(status__in=RETIRED).select_related("owner")
    return [{"products": found} for found in duplicates.groups(listed.order_by("pk"))]


def products_without_brand():
    return Product.objects.exclude(status__in=RETIRED).filter(brand__isnull=True).order_by("pk")


CHECKS = {
    "invalid_phones": _("手机号无效"),
    "duplicate_members": _("疑似重复会员"),
    "duplicate_products": _("疑似重复商品"),
    "stores_without_position": _("门店无有效位置"),
    "products_without_images": _("商品无图片"),
    "products_without_brand": _("商品无品牌"),
}


def report() -> dict:
    """Every check: its label, the count and the first LIMIT rows."""
    found = {
        "invalid_phones": invalid_phones(),
        "duplicate_members": duplicate_members(),
        "duplicate_products": duplicate_products(),
        "stores_without_position": stores_without_position(),
        "products_without_images": products_without_images(),
        "products_without_brand": products_without_brand(),
    }
    out = {}
    for key, rows in found.items():
        count = len(rows) if isinstance(rows, list) else rows.count()
        out[key] = {"label": CHECKS[key], "count": count, "rows": list(rows[:LIMIT])}
    return out


@transaction.atomic
def record_counts(now=None) -> int:
    """The daily job: today's count per check, rewritten when run again the same day."""
    day = timezone.localdate(now or timezone.now())
    counts = {key: check["count"] for key, check in report().items()}
    for key, count in counts.items():
        QualityCount.objects.update_or_create(day=day, rule=key, defaults={"count": count})
    return len(counts)


def history(days: int = 30) -> list[dict]:
    """The counts of the last `days` recorded days, oldest first: {day, <check>: count}."""
    rows: dict = {}
    for q in QualityCount.objects.order_by("-day")[: days * len(CHECKS)]:
        rows.setdefault(q.day, {"day": q.day})[q.rule] = q.count
    return [rows[d] for d in sorted(rows)]
