"""Member de-duplication (docs/analytics.md): the platform merges a duplicate account (one
whose phone normalises to the same number as another's, or verified as the same real-name
identity) into the account its person keeps.
Orders, points (through the ledger, lots and expiry kept), coupons and memberships move in
one transaction with a MemberMerge row recording what moved, so the merge can be undone
exactly; both steps are refused, changing nothing, when they cannot be done cleanly."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.analytics import identity
from omniretail.analytics.models import MemberMerge
from omniretail.analytics.quality import normalise_phone
from omniretail.core.errors import Conflict, NotFound, field_error
from omniretail.loyalty import merge as loyalty
from omniretail.orders import merge as orders

audit = logging.getLogger("omniretail.audit")


def _user(user_id):
    user = get_user_model().objects.filter(pk=user_id).first() if str(user_id).isdigit() else None
    if user is None:
        raise NotFound(_("找不到该账号。"))
    return user


@transaction.atomic
def merge(*, source_id, target_id, actor) -> MemberMerge:
    """Moves everything of `source` to `target`. Refused: the same account twice, accounts
    neither of the same phone number nor verified as the same identity, a source already
    merged, or an open refund on either (it would be paid to the account it no longer
    belongs to)."""
    source, target = _user(source_id), _user(target_id)
    if source.pk == target.pk:
        raise field_error("target", _("不能把账号与自己合并。"))
    # both rows locked in one order, so two merges of the same people take turns
    users = get_user_model().objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    list(users.order_by("pk"))
    phone = normalise_phone(source.phone)
    if (phone is None or phone != normalise_phone(target.phone)) and not identity.same_person(
        source.pk, target.pk
    ):
        raise field_error("target", _("两个账号既不是同一手机号，也不是同一实名身份，不能合并。"))
    if MemberMerge.objects.filter(source=source, undone_at__isnull=True).exists():
        raise Conflict(_("该账号已合并过。"), code="already_merged")
    if orders.refund_pending(source, target):
        raise Conflict(_("有退款尚未完成，请完成后再合并。"), code="refund_pending")
    record = MemberMerge.objects.create(source=source, target=target, merged_by=actor)
    record.moved = {
        "orders": orders.move_orders(source=source, target=target),
        "points": loyalty.move_points(source=source, target=target, key=record.key),
        "coupons": loyalty.move_coupons(source=source, target=target),
        "memberships": loyalty.move_memberships(source=source, target=target),
    }
    record.save(update_fields=["moved"])
    audit.info("member merge %s: user %s into %s by %s", record.pk, source.pk, target.pk, actor)
    return record


@transaction.atomic
def undo(*, merge_id, actor) -> MemberMerge:
    """Moves back exactly what the merge moved. Refused when it was undone already, or
    when merged points or coupons have been used since."""
    record = MemberMerge.objects.select_for_update().filter(pk=merge_id).first()
    if record is None:
        raise NotFound(_("找不到该合并记录。"))
    if record.undone_at is not None:
        raise Conflict(_("该合并已撤销。"), code="already_undone")
    source, target, moved = record.source, record.target, record.moved
    loyalty.undo_points(source=source, target=target, moved=moved["points"], key=record.key)
    loyalty.undo_coupons(source=source, target=target, moved=moved["coupons"])
    loyalty.undo_memberships(source=source, target=target, moved=moved["memberships"])
    orders.undo_orders(source=source, target=target, moved=moved["orders"])
    MemberMerge.objects.filter(pk=record.pk).update(undone_at=timezone.now(), undone_by=actor)
    audit.info("member merge %s undone by %s", record.pk, actor)
    record.refresh_from_db()
    return record


def merges(limit: int = 50):
    return MemberMerge.objects.select_related("source", "target", "merged_by", "undone_by")[:limit]
