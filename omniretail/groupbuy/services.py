"""Publishing a campaign and joining it. A join claims a free pre-minted seat (a single
conditional UPDATE; on PostgreSQL the free seat is picked with SKIP LOCKED so thousands of
joins never queue on one row), opens its payment intent through payments' own services
and writes the member, in one short transaction, or for a flash sale's batch (`join_many`,
fed by `joinqueue`) in one transaction for all. A refused join therefore leaves nothing: no
seat, no intent, no stock moved. What follows the payment (forming the group, the draw, vouchers,
refunds) is in `settlement`."""

import secrets
from contextlib import suppress
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import require_role
from omniretail.catalog.models import Product, Sku
from omniretail.core import inserts
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.core.ids import new_public_id
from omniretail.core.money import money
from omniretail.groupbuy import draw
from omniretail.groupbuy.models import Campaign, Group, Member, Seat
from omniretail.inventory import services as inventory
from omniretail.loyalty.models import CouponTemplate
from omniretail.payments import selectors as payment_selectors
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.payments.reconcile import may_still_succeed
from omniretail.stores.models import Store

PURPOSE = "groupbuy"
MAX_GROUPS = 2000
MAX_SEATS = 100_000
MAX_GROUP_SIZE = 500
MAX_DAYS = 90
S = Member.Status


def payment_window() -> timedelta:
    return timedelta(minutes=settings.OMNI_GROUPBUY_PAYMENT_MINUTES)


def stock_hold(ends_at: datetime) -> timedelta:
    """Units set aside for the groups stay held until the campaign ends and a margin for
    the draws to finish; the closing sweep releases what no winner took."""
    return ends_at - timezone.now() + timedelta(days=1)


def _count(value, field: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise field_error(
            field, _("请输入 %(lo)s 到 %(hi)s 之间的整数。") % {"lo": minimum, "hi": maximum}
        )
    return value


def _validate(data: dict) -> dict:
    fields = {}
    for name, label in (("title", _("活动名称")), ("navigation_address", _("导航地址"))):
        if not str(data.get(name) or "").strip():
            fields[name] = _("请填写%(label)s。") % {"label": label}
    if not str(data.get("phone") or "").strip():
        fields["phone"] = _("请填写联系电话。")
    if fields:
        raise ValidationFailed(fields=fields)
    size = _count(data["group_size"], "group_size", 2, MAX_GROUP_SIZE)
    winners = _count(data["winners_per_group"], "winners_per_group", 1, MAX_GROUP_SIZE)
    if winners >= size:
        raise field_error("winners_per_group", _("每团中签人数必须少于成团人数。"))
    quantity = _count(data["quantity"], "quantity", 1, MAX_GROUPS * MAX_GROUP_SIZE)
    if quantity < winners:
        raise field_error("quantity", _("商品数量至少要够一个团的中签人数。"))
    if quantity % winners:
        raise field_error(
            "quantity",
            _("商品数量必须是每团中签人数（%(k)s）的整数倍，每个团正好开出这么多件。")
            % {"k": winners},
        )
    if quantity // winners > MAX_GROUPS:
        raise field_error("quantity", _("一个活动最多 %(n)s 个团。") % {"n": MAX_GROUPS})
    if quantity // winners * size > MAX_SEATS:
        raise field_error("quantity", _("一个活动最多 %(n)s 个名额。") % {"n": MAX_SEATS})
    try:
        price = money(data["group_price"])
    except (TypeError, ValueError):
        raise field_error("group_price", _("请输入正确的金额。")) from None
    if price <= 0 or price != Decimal(str(data["group_price"])):
        raise field_error("group_price", _("拼团价必须大于 0，且最多两位小数。"))
    starts_at, ends_at = _aware(data["starts_at"]), _aware(data["ends_at"])
    if ends_at <= starts_at or ends_at <= timezone.now():
        raise field_error("ends_at", _("结束时间必须晚于开始时间和当前时间。"))
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise field_error("ends_at", _("活动最长 %(days)s 天。") % {"days": MAX_DAYS})
    for name in ("consolation_points", "unfilled_points"):
        _count(data.get(name, 0), name, 0, 1_000_000)
    return {**data, "group_price": price, "starts_at": starts_at, "ends_at": ends_at}


def _aware(moment: datetime) -> datetime:
    """A time without an offset is the shop's local time (TIME_ZONE, Beijing time)."""
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def consolation_template(public_id: str | None) -> CouponTemplate | None:
    """The coupon template chosen (by public id) as a campaign's consolation; none for ""."""
    if not public_id:
        return None
    template = CouponTemplate.objects.filter(public_id=public_id).first()
    if template is None:
        raise NotFound(_("找不到该优惠券。"), fields={"consolation_coupon": _("不存在")})
    return template


def _check_consolation_coupon(template: CouponTemplate | None, merchant_id: int) -> None:
    """Only the merchant's own active templates, or the platform's, may console."""
    if template is None:
        return
    if template.org_id not in (None, merchant_id):
        raise field_error("consolation_coupon", _("只能选择本商家或平台的优惠券。"))
    if not template.is_active:
        raise field_error("consolation_coupon", _("该优惠券已停发。"))
    if template.platform_funded:  # a refund must never wait on the coupon budget
        raise field_error("consolation_coupon", _("拼团安慰券不能使用平台补贴券。"))


@transaction.atomic
def publish_campaign(*, actor, store: Store, sku: Sku, **data) -> Campaign:
    """Publish a campaign: its groups, each with a fresh secret seed whose commitment is
    public from now on, their pre-minted seats, and the units the winners will collect,
    reserved at the store (refused as a whole when the store has too few)."""
    require_role(actor, store.merchant)
    if not store.is_active:
        raise field_error("store", _("该门店已停业。"))
    if not sku.is_active or sku.product.status != Product.Status.APPROVED:
        raise field_error("sku", _("该商品已下架。"))
    data = _validate(data)
    _check_consolation_coupon(data.get("consolation_coupon"), store.merchant_id)
    campaign = Campaign.objects.create(
        merchant=store.merchant, store=store, sku=sku, created_by=actor, **data
    )
    k, size = campaign.winners_per_group, campaign.group_size
    seeds = [draw.new_seed() for _ in range(campaign.quantity // k)]
    Group.objects.bulk_create(
        Group(
            campaign=campaign,
            number=n,
            size=size,
            winners_count=k,
            seed=seed,
            commitment=draw.commitment(seed),
        )
        for n, seed in enumerate(seeds, start=1)
    )
    groups = list(campaign.groups.order_by("number"))  # with primary keys on every backend
    Seat.objects.bulk_create(
        (
            Seat(campaign=campaign, group=group, number=n)
            for group in groups
            for n in range(1, size + 1)
        ),
        batch_size=1000,
    )
    location = inventory.location_for_store(store)
    for group in groups:
        inventory.reserve_lines(
            location=location,
            lines=[(sku, 1)] * k,
            reference=group_stock_reference(group),
            ttl=stock_hold(campaign.ends_at),
        )
    return campaign


def group_stock_reference(group: Group) -> str:
    return f"groupbuy:{group.public_id}"


def _require_joinable(campaign: Campaign, now: datetime) -> None:
    if campaign.status != Campaign.Status.OPEN or now >= campaign.ends_at:
        raise Conflict(_("该拼团活动已结束。"), code="campaign_ended")
    if now < campaign.starts_at:
        raise Conflict(_("该拼团活动尚未开始。"), code="campaign_not_started")


_CLAIM_SQL = """
UPDATE groupbuy_seat SET taken = %s
WHERE id {match} (
    SELECT id FROM groupbuy_seat
    WHERE campaign_id = %s AND NOT taken {group_filter}
    ORDER BY id LIMIT {n} {lock}
) AND NOT taken
RETURNING id, group_id, number{group_columns}
"""
# what a joiner is answered about its group, returned by the claim itself
_GROUP_COLUMNS = ("public_id", "number", "commitment")


def _claim_sql(
    campaign: Campaign, group: Group | None, n: int, *, with_group: bool = False
) -> tuple[str, list]:
    """Take the `n` lowest free seats (of one group, or of the campaign) in one statement.
    On PostgreSQL, seats other joins are taking right now are skipped, not waited for.
    `with_group`: each seat comes with its group's `_GROUP_COLUMNS` too."""
    sql = _claim_text(connection.vendor, group is not None, with_group, int(n))
    return sql, [True, campaign.pk, *([group.pk] if group else [])]


@cache
def _claim_text(vendor: str, of_group: bool, with_group: bool, n: int) -> str:
    """`NOT taken` and the limit written out, not bound: a prepared statement's generic plan
    must still see the free-seat index's condition (with `taken = $3` PostgreSQL scanned
    every seat); one seat by `id = (...)`, always a primary-key lookup."""
    columns = "".join(
        f", (SELECT {c} FROM groupbuy_group WHERE groupbuy_group.id = groupbuy_seat.group_id)"
        f" AS group_{c}"
        for c in (_GROUP_COLUMNS if with_group else ())
    )
    return _CLAIM_SQL.format(
        match="=" if n == 1 else "IN",
        n=n,
        group_filter="AND group_id = %s" if of_group else "",
        lock="FOR UPDATE SKIP LOCKED" if vendor == "postgresql" else "",
        group_columns=columns,
    )


def _check_join(campaign: Campaign, provider: str, group: Group | None, now: datetime) -> None:
    if provider not in payment_selectors.method_names():
        raise field_error("provider", _("不支持的支付方式。"))
    _require_joinable(campaign, now)
    if group is not None and group.campaign_id != campaign.pk:
        raise NotFound(_("找不到该团。"))


def joiner_value(value: str | None) -> str:
    """The joiner's own random contribution to the draw: 32 bytes as 64 hex digits. The API
    and the pages always pass the client's; only the operator's own tools (demo data,
    benchmarks) join without one, and get a value drawn here."""
    if value is None:
        return secrets.token_hex(draw.VALUE_BYTES)
    value = value.lower() if isinstance(value, str) else value
    if not draw.is_value(value):
        raise field_error(
            "client_value", _("请提供 32 字节的随机数，写成 64 位十六进制（0-9、a-f）。")
        )
    return value


def _rows(
    shopper, campaign: Campaign, provider: str, now: datetime, client_value: str
) -> tuple[Member, object]:
    """The member and its payment intent at the group price, unsaved and without a seat."""
    member_id, pay_by = new_public_id(), now + payment_window()
    intent = payments.new_intent(
        purpose=PURPOSE,
        reference=member_id,
        amount=campaign.group_price,
        payer=shopper,
        provider=provider,
        payee=campaign.merchant,
        expires_at=pay_by,
    )
    member = Member(
        public_id=member_id,
        campaign=campaign,
        shopper=shopper,
        amount=campaign.group_price,
        intent_id=intent.public_id,
        client_value=client_value,
        pay_by=pay_by,
        joined_at=now,
    )
    return member, intent


def join(
    *,
    shopper,
    campaign: Campaign,
    provider: str,
    group: Group | None = None,
    client_value: str | None = None,
) -> Member:
    """Take a seat (the next free one, or one in a friend's `group`) and open its payment
    intent at the group price; unpaid by the deadline, the seat goes back. `client_value`
    is the joiner's contribution to the draw (`joiner_value`)."""
    return _join(
        shopper=shopper, campaign=campaign, provider=provider, group=group, value=client_value
    )[0]


def _join(
    *, shopper, campaign: Campaign, provider: str, group, value, savepoint: bool = True
) -> tuple[Member, PaymentIntent]:
    """`join`, answering the intent too. `savepoint=False` for a caller whose transaction
    ends with this join's refusal anyway (`join_and_pay`)."""
    now = timezone.now()
    value = joiner_value(value)
    _check_join(campaign, provider, group, now)
    member, intent = _rows(shopper, campaign, provider, now, value)
    # A second live seat of the same shopper (another tab, a retry) is refused by the
    # partial unique index, and the whole join rolls back: no pre-check round trip.
    try:
        seated = _take_seat(campaign, group, member, intent, savepoint)
    except IntegrityError as exc:
        if not _is_second_join(exc):
            raise  # another row refused: a fault to report, not the shopper's retry
        raise _already_joined() from None
    if not seated:
        raise _refusal(shopper, campaign, group)
    return member, intent


# how the one-live-seat index's violation reads: its name on PostgreSQL, its columns on SQLite
_SECOND_JOIN = (
    "groupbuy_one_live_join_per_shopper",
    "groupbuy_member.campaign_id, groupbuy_member.shopper_id",
)


def _is_second_join(exc: IntegrityError) -> bool:
    return any(mark in str(exc) for mark in _SECOND_JOIN)


def _refusal(shopper, campaign: Campaign, group: Group | None) -> Conflict:
    if Member.objects.filter(campaign=campaign, shopper=shopper, status__in=Member.LIVE).exists():
        return _already_joined()
    return _full(group)


def _take_seat(campaign, group, member: Member, intent, savepoint: bool) -> bool:
    """Claim a seat, write the member into it and open its intent through payments, in one
    transaction (a savepoint inside a caller's, unless told otherwise): without a free seat
    nothing is written. The member comes back with its group as the claim read it. On
    PostgreSQL this is one statement: outside a caller's transaction, a transaction of its
    own (no BEGIN and COMMIT round trips)."""
    if connection.vendor == "postgresql" and transaction.get_autocommit():
        return _seat_member(campaign, group, member, intent)
    with transaction.atomic(savepoint=savepoint):
        return _seat_member(campaign, group, member, intent)


# the member's columns its seat fills, from the claim's row
_FROM_SEAT = {"group_id": "seat.group_id", "seat_id": "seat.id", "seat_number": "seat.number"}


def _seat_member(campaign: Campaign, group: Group | None, member: Member, intent) -> bool:
    """Claim a seat, write the member into it with a plain INSERT (`save()`'s general path
    was a fifth of a join's CPU) and its intent with payments' INSERT: on PostgreSQL one
    statement (prepared on its connection from the sixth join on, as any other), the claim's
    row feeding both INSERTs; SQLite takes the claim, then writes the member and the intent.
    False without a free seat (nothing written)."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the proxy, for each field
    claim, params = _claim_sql(campaign, group, 1, with_group=True)
    if db.vendor == "postgresql":
        paid, paid_params = payments.intents_insert([intent], source="seat")
        with db.cursor() as cursor:
            cursor.execute(
                _join_sql(claim, paid),
                params + _member_values(member, _member_fields(seated=False), db) + paid_params,
            )
            if (row := cursor.fetchone()) is None:
                return False
        *seat, member.pk, intent_pk = row
        inserts.mark_saved([intent], [intent_pk])
    else:
        with db.cursor() as cursor:
            cursor.execute(claim, params)
            if (seat := cursor.fetchone()) is None:
                return False
            member.seat_id, member.group_id, member.seat_number = seat[:3]
            fields = _member_fields(seated=True)
            cursor.execute(
                f"{_member_insert()} VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id",
                _member_values(member, fields, db),
            )
            member.pk = cursor.fetchone()[0]
        payments.create_intents([intent])
    member.seat_id, member.group_id, member.seat_number, *answer = seat
    member._state.adding, member._state.db = False, DEFAULT_DB_ALIAS
    member.group = _group_as_read(campaign, member.group_id, answer)
    return True


@cache
def _member_fields(*, seated: bool) -> list:
    """A member's columns but its id; `seated=False`: but those its seat fills, too."""
    return [
        f
        for f in Member._meta.concrete_fields
        if not f.primary_key and (seated or f.attname not in _FROM_SEAT)
    ]


@cache
def _member_insert() -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in _member_fields(seated=True))
    return f"INSERT INTO {qn(Member._meta.db_table)} ({columns})"


@cache
def _join_sql(claim: str, paid: str) -> str:
    """The claim feeding the member's INSERT and the intent's (`paid`), in one statement."""
    values = ", ".join(_FROM_SEAT.get(f.attname, "%s") for f in _member_fields(seated=True))
    return (
        f"WITH seat AS ({claim}), joined AS ({_member_insert()} SELECT {values} FROM seat"
        f" RETURNING id), paid AS ({paid}) SELECT seat.*, joined.id, paid.id"
        " FROM seat, joined, paid"
    )


def _member_values(member: Member, fields: list, db) -> list:
    return [f.get_db_prep_save(getattr(member, f.attname), db) for f in fields]


def _group_as_read(campaign: Campaign, group_id: int, values: list) -> Group:
    """The seat's group with the columns its claim returned; any other is read on use."""
    known = {
        "id": group_id,
        "campaign_id": campaign.pk,
        **dict(zip(_GROUP_COLUMNS, values, strict=True)),
    }
    fields = [f.attname for f in Group._meta.concrete_fields if f.attname in known]
    group = Group.from_db(connection.alias, fields, [known[f] for f in fields])
    group.campaign = campaign
    return group


def join_many(*, campaign: Campaign, joins: list, group: Group | None = None) -> list:
    """Seat a batch of `(shopper, provider, client_value)` joins in one transaction: one
    statement claims the seats, one writes the intents, one the members. Returns, in order,
    each join's Member or the error `join` would have raised for it; a refused join writes
    nothing.
    If a shopper meanwhile took a seat through another batch, the batch is rolled back and
    its joins are seated one by one."""
    now = timezone.now()
    outcomes: list = [
        _outcome(_check_batched, campaign=campaign, provider=p, group=group, now=now, value=v)
        for _s, p, v in joins
    ]
    try:
        with transaction.atomic():
            seating, twins = _queue_up(campaign, joins, outcomes)
            seats = _claim_seats(campaign, group, len(seating)) if seating else []
            members, intents = [], []
            for i, seat in zip(seating, seats, strict=False):
                shopper, provider, value = joins[i]
                member, intent = _rows(shopper, campaign, provider, now, joiner_value(value))
                member.seat_id, member.group_id, member.seat_number = seat
                members.append(member)
                intents.append(intent)
                outcomes[i] = member
            payments.create_intents(intents)
            # in shopper order: two batches sharing shoppers wait on each other, not deadlock
            Member.objects.bulk_create(sorted(members, key=lambda m: m.shopper_id))
    except IntegrityError:
        return [
            _outcome(
                join,
                shopper=shopper,
                campaign=campaign,
                provider=provider,
                group=group,
                client_value=value,
            )
            for shopper, provider, value in joins
        ]
    full = _full(group)
    for i in seating[len(seats) :]:
        outcomes[i] = full
    for i, first in twins:  # the same shopper twice in one batch: as if one after the other
        outcomes[i] = _already_joined() if isinstance(outcomes[first], Member) else full
    return outcomes


def _queue_up(campaign: Campaign, joins: list, outcomes: list) -> tuple[list, list]:
    """Which joins of a batch want a seat (in order), and which repeat an earlier shopper
    of the batch; a shopper already holding a seat is refused here."""
    asking = {
        shopper.pk for (shopper, *_rest), done in zip(joins, outcomes, strict=True) if not done
    }
    live = set(
        Member.objects.filter(
            campaign=campaign, shopper_id__in=asking, status__in=Member.LIVE
        ).values_list("shopper_id", flat=True)
    )
    seating, twins, first_of = [], [], {}
    for i, (shopper, *_rest) in enumerate(joins):
        if outcomes[i] is not None:
            continue
        if shopper.pk in live:
            outcomes[i] = _already_joined()
        elif shopper.pk in first_of:
            twins.append((i, first_of[shopper.pk]))
        else:
            first_of[shopper.pk] = i
            seating.append(i)
    return seating, twins


def _claim_seats(campaign: Campaign, group: Group | None, n: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(*_claim_sql(campaign, group, n))
        return sorted(cursor.fetchall())


def _check_batched(*, campaign, provider, group, now, value) -> None:
    joiner_value(value)
    _check_join(campaign, provider, group, now)


def _full(group: Group | None) -> Conflict:
    if group is not None:
        return Conflict(_("该团已满，请参加其他团。"), code="group_full")
    return Conflict(_("名额已满，本活动已无空位。"), code="campaign_full")


def _outcome(call, **kwargs):
    try:
        return call(**kwargs)
    except (Conflict, NotFound, ValidationFailed) as exc:
        return exc


def _already_joined() -> Conflict:
    return Conflict(_("您已参加过该拼团活动。"), code="already_joined")


def join_and_pay(
    *,
    shopper,
    campaign: Campaign,
    provider: str,
    client_value: str,
    group: Group | None = None,
    return_url="",
    savepoint: bool = True,
):
    """Join and start paying in one go (what the page and the API do): a wallet too short
    refuses the whole join, so no seat is held for a payment that cannot happen. With
    OMNI_GROUPBUY_JOIN_QUEUE on PostgreSQL the seat is taken by the process's join queue,
    in a batch committed on its own, and withdrawn the same way if the payment cannot start.
    `savepoint=False` for a caller whose own transaction a refusal rolls back whole (the
    API's idempotent request): no savepoints of the join's inside it."""
    if settings.OMNI_GROUPBUY_JOIN_QUEUE and connection.vendor == "postgresql":
        from omniretail.groupbuy.joinqueue import joins  # it seats through this module

        member = joins.join(
            shopper=shopper,
            campaign=campaign,
            provider=provider,
            group=group,
            client_value=client_value,
        )
        try:
            return member, start_payment(member=member, return_url=return_url)
        except Exception:
            joins.withdraw(member)
            raise
    with transaction.atomic(savepoint=savepoint):
        member, intent = _join(
            shopper=shopper,
            campaign=campaign,
            provider=provider,
            group=group,
            value=client_value,
            savepoint=False,  # inside this block, which a refusal leaves whole
        )
        return member, payments.start_payment(intent=intent, return_url=return_url, fresh=True)


@transaction.atomic
def withdraw_join(member: Member) -> None:
    """Undo a join whose payment could not start: the member, its seat and its intent go,
    as if the join had been refused whole. A join already paid or moved on is kept."""
    if Member.objects.filter(pk=member.pk, status=S.PENDING_PAYMENT).delete()[0]:
        release_seat(member)
        payments.discard_intent(intent_id=member.intent_id)


def start_payment(*, member: Member, return_url: str = ""):
    """Pay the seat through the member's intent (wallet at once, or the gateway's page)."""
    if member.status != S.PENDING_PAYMENT:
        raise Conflict(_("该拼团无需支付。"), code="not_payable")
    return payments.start_payment(
        intent=PaymentIntent.objects.get(public_id=member.intent_id), return_url=return_url
    )


def release_seat(member: Member) -> None:
    Seat.objects.filter(pk=member.seat_id, taken=True).update(taken=False)


def expire_unpaid_members(*, now: datetime | None = None, batch: int = 500) -> int:
    """Seats whose payment deadline passed go back to the pool, their intents closed, the
    oldest deadline first. A seat whose payment may still succeed (a charge the payer may
    have paid) waits for `payments.reconcile`'s answer and is left out of the batch, so no
    number of them holds up the others. A payment that lands afterwards is refunded by
    `settlement.confirm_payment`."""
    now = now or timezone.now()
    expired = 0
    overdue = Member.objects.filter(status=S.PENDING_PAYMENT, pay_by__lte=now).exclude(
        intent_id__in=may_still_succeed().values("public_id")
    )
    for member in overdue.order_by("pay_by", "id")[:batch]:
        with transaction.atomic():
            if not Member.objects.filter(pk=member.pk, status=S.PENDING_PAYMENT).update(
                status=S.EXPIRED
            ):
                continue
            release_seat(member)
            _close_intent(member)
        expired += 1
    return expired


def _close_intent(member: Member) -> None:
    intent = PaymentIntent.objects.get(public_id=member.intent_id)
    if intent.status in PaymentIntent.OPEN:
        with suppress(Conflict):  # paid this very moment: its success event refunds it
            payments.cancel_intent(intent=intent)


def count_paid(group: Group, delta: int) -> int:
    """Move an open group's paid count; 0 when the group is no longer open."""
    return Group.objects.filter(pk=group.pk, status=Group.Status.OPEN).update(
        paid_count=F("paid_count") + delta
    )
