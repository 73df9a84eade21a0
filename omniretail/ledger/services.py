"""Every write to the ledger. A posting is one transaction: the idempotency key is claimed,
the debit is a single conditional UPDATE that refuses an overdraft in the same statement, the
credit follows, and two immutable entries record both sides with the balances after."""

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core import inserts, reads
from omniretail.core.errors import Conflict, field_error
from omniretail.core.idempotency import MAX_KEY_LENGTH, fingerprint
from omniretail.core.ids import PublicIdModel
from omniretail.ledger.models import Account, Asset, Entry, Posting

CNY = "CNY"
PLATFORM_POINTS = "PTS:PLATFORM"
OWNER_TYPES = ("user", "org", "system")


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_message = gettext_lazy("余额不足。")  # translated when raised, not at import


def owner_key(owner: str | PublicIdModel) -> str:
    """`user:<public_id>`, `org:<public_id>` or `system:<name>` for a user, an organisation
    or an already formed key."""
    if isinstance(owner, Model):
        prefixes = {settings.AUTH_USER_MODEL: "user", "accounts.Organization": "org"}
        if owner._meta.label not in prefixes:
            raise TypeError(f"a ledger account cannot belong to a {owner._meta.label}")
        return f"{prefixes[owner._meta.label]}:{owner.public_id}"
    owner_type, sep, owner_id = str(owner).partition(":")
    if not sep or owner_type not in OWNER_TYPES or not owner_id or len(owner_id) > 64:
        raise field_error("owner", _("账户所有者格式应为 user:/org:/system: 加标识。"))
    return f"{owner_type}:{owner_id}"


def get_or_create_asset(*, code: str) -> Asset:
    """Assets are known by code: CNY (fen) and points programmes `PTS:...` (whole points)."""
    if code == CNY:
        defaults = {"name": _("人民币"), "kind": Asset.Kind.CASH, "decimal_places": 2}
    elif code.startswith("PTS:") and len(code) > 4:
        defaults = {"name": _("积分 %(code)s") % {"code": code[4:]}, "kind": Asset.Kind.POINTS}
        defaults["decimal_places"] = 0
    else:
        raise field_error("asset_code", _("未知的资产代码。"))
    asset = Asset.objects.filter(code=code).first()
    if asset is not None:
        return asset
    try:
        with transaction.atomic():
            return Asset.objects.create(code=code, **defaults)
    except IntegrityError:
        return Asset.objects.get(code=code)


# The asset by its code in the same statement (a payment reads two accounts, not two accounts
# and their asset twice), in plain SQL (core.reads): compiling the ORM's join cost a payment
# more CPU than running it. At most one row: the accounts' unique constraint.
_ACCOUNT_WHERE = (
    f"t0.asset_id = (SELECT id FROM {reads.table(Asset)} WHERE code = %s)"
    " AND t0.owner_type = %s AND t0.owner_id = %s AND t0.kind = %s"
)


def get_or_create_account(
    *,
    asset_code: str,
    owner: str | PublicIdModel,
    kind: str = Account.Kind.WALLET,
    allow_negative=False,
) -> Account:
    """The one account of `owner` for this asset and kind. Only system accounts may be
    allowed to go negative: a person or organisation can never be overdrawn."""
    key = owner_key(owner)
    owner_type, owner_id = key.split(":", 1)
    if kind not in Account.Kind.values:
        raise field_error("kind", _("未知的账户类型。"))
    if allow_negative and owner_type != "system":
        raise field_error("allow_negative", _("只有系统账户可以透支。"))
    lookup: dict = {"owner_type": owner_type, "owner_id": owner_id, "kind": kind}
    found = reads.where(Account, _ACCOUNT_WHERE, [asset_code, owner_type, owner_id, kind])
    if found:
        return found[0]
    lookup["asset"] = get_or_create_asset(code=asset_code)
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, allow_negative=allow_negative)
    except IntegrityError:
        return Account.objects.get(**lookup)


def system_account(*, asset_code: str, name: str, kind: str = Account.Kind.CLEARING) -> Account:
    """A platform-side account that may go negative (the outside world, clearing)."""
    return get_or_create_account(
        asset_code=asset_code, owner=f"system:{name}", kind=kind, allow_negative=True
    )


def post(
    *,
    debit: Account,
    credit: Account,
    amount: int,
    idempotency_key: str,
    kind: str,
    reference: str = "",
    memo: dict | None = None,
) -> Posting:
    """Move `amount` minor units from `debit` to `credit`, once per idempotency key.

    The same key with the same request returns the first posting and changes nothing; with
    another request it is a Conflict. An overdraft is refused by the debit UPDATE itself, so
    two concurrent spends can never both pass a balance check."""
    _validate(debit, credit, amount, idempotency_key, kind)
    digest = fingerprint(
        {
            "debit": debit.pk,
            "credit": credit.pk,
            "amount": amount,
            "kind": kind,
            "reference": reference,
        }
    )
    try:
        with transaction.atomic():
            # Claiming the key first makes a concurrent duplicate wait here and replay,
            # instead of racing for the funds and reporting "insufficient". A key already
            # used fails this INSERT and is replayed below: no read before every posting.
            posting = Posting(
                asset_id=debit.asset_id,
                debit=debit,
                credit=credit,
                amount=amount,
                idempotency_key=idempotency_key,
                fingerprint=digest,
                kind=kind,
                reference=reference,
                memo=memo or {},
            )
            inserts.insert([posting])  # plain SQL: every payment posts; `create` compiled it
            _apply(posting, debit, credit, amount)
            return posting
    except IntegrityError:
        replay = _replay(idempotency_key, digest)
        if replay is None:
            raise
        return replay


def _validate(debit: Account, credit: Account, amount: int, key: str, kind: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise field_error("amount", _("金额必须是正整数（最小单位）。"))
    if debit.pk == credit.pk:
        raise field_error("credit", _("借贷双方不能是同一账户。"))
    if debit.asset_id != credit.asset_id:
        raise field_error("credit", _("借贷双方必须是同一种资产。"))
    if not key or len(key) > MAX_KEY_LENGTH:
        raise field_error("idempotency_key", _("幂等键不能为空且不超过 255 个字符。"))
    if not kind:
        raise field_error("kind", _("记账类型不能为空。"))


def _replay(key: str, digest: str) -> Posting | None:
    posting = Posting.objects.filter(idempotency_key=key).first()
    if posting is None:
        return None
    if posting.fingerprint != digest:
        raise Conflict(
            _("该幂等键已用于另一笔记账。"),
            code="idempotency_key_reused",
            fields={"idempotency_key": _("已用于另一笔记账")},
        )
    return posting


def _move(account_pk: int, delta: int) -> int | None:
    """Add `delta` to one balance and return the new balance in the same statement (UPDATE
    ... RETURNING, on SQLite and PostgreSQL alike), or None when a debit would overdraw an
    account that may not go negative: the check and the write stay one statement."""
    qn = connection.ops.quote_name
    table, balance = qn(Account._meta.db_table), qn("balance")
    guard = f" AND ({qn('allow_negative')} OR {balance} >= %s)" if delta < 0 else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {balance} = {balance} + %s WHERE {qn('id')} = %s{guard} "
            f"RETURNING {balance}",
            [delta, account_pk, *([-delta] if delta < 0 else [])],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _write_entries(posting: Posting, sides: list[tuple[int, int, int]]) -> None:
    """Both entries, `(account id, amount, balance after)`, in one INSERT dated as their
    posting; written directly, as `bulk_create`'s general path was a fifth of a posting's
    CPU."""
    qn = connection.ops.quote_name
    columns = ", ".join(
        qn(c) for c in ("posting_id", "account_id", "amount", "balance_after", "created_at")
    )
    created = connection.ops.adapt_datetimefield_value(posting.created_at)
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(sides))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(Entry._meta.db_table)} ({columns}) VALUES {rows}",
            [v for side in sides for v in (posting.pk, *side, created)],
        )


def _apply(posting: Posting, debit: Account, credit: Account, amount: int) -> None:
    """Update both balances in primary-key order (no deadlock between opposite transfers);
    the overdraft condition stays on the debit whichever goes first."""
    sides = sorted([(debit, -amount), (credit, amount)], key=lambda side: side[0].pk)
    after: dict[int, int] = {}
    for account, delta in sides:
        balance = _move(account.pk, delta)
        if balance is None:
            raise InsufficientFunds(fields={"amount": _("余额不足")})
        after[account.pk] = balance
    _write_entries(
        posting,
        [(debit.pk, -amount, after[debit.pk]), (credit.pk, amount, after[credit.pk])],
    )
    debit.balance, credit.balance = after[debit.pk], after[credit.pk]
