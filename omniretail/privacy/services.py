"""The shopper's rights under PIPL: consent before the first sign-in, a copy of their data
(orders, points, addresses, and what other domains register with accounts.privacy:
favourites, history) and closing the account.

Closing keeps what law and the ledger need: orders with their lines and amounts (tax and
accounting records), ledger postings and balances (keyed by the user's public id), and the
consent records; it removes or blanks the rest: the phone, names and sign-in, addresses,
the recipient on past orders, the cart, the notifications and the registered sections
(favourites, history). An account with open orders,
money in its balance, or staff roles is not closed (the reason is given)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Membership, User
from omniretail.accounts.privacy import (
    anonymise_user,
    erase_personal_data,
    export_personal_data,
)
from omniretail.addresses.models import Address
from omniretail.core.errors import Conflict, ValidationFailed, field_error
from omniretail.loyalty import selectors as loyalty
from omniretail.notifications.models import Notification
from omniretail.orders.models import Cart, Order
from omniretail.payments.selectors import wallet_balance
from omniretail.privacy.models import POLICY_VERSION, Consent

S = Order.Status
OPEN = [S.PENDING_PAYMENT, S.PAID, S.READY_FOR_PICKUP, S.SHIPPED, S.REFUND_REQUESTED]
CLOSED_ADDRESS = {"name": "", "phone": "", "address": "（已注销）"}


def needs_consent(phone: str) -> bool:
    """A number without an account, or an account that has not accepted this version."""
    user = User.objects.filter(phone=phone).first() if phone else None
    return user is None or not Consent.objects.filter(user=user, version=POLICY_VERSION).exists()


def require_consent(*, phone: str, accepted: bool) -> None:
    if not accepted and needs_consent(phone):
        raise field_error("consent", _("请阅读并同意《用户协议》和《隐私政策》后登录。"))


def policies() -> dict:
    """What a client shows before asking for consent: the version and the two documents."""
    return {
        "policy_version": POLICY_VERSION,
        "terms_url": reverse("web:terms"),
        "privacy_url": reverse("web:privacy_policy"),
    }


def require_accepted_version(*, phone: str, accepted: str | None) -> None:
    """The API's sign-in names the version the shopper accepted; a number that still needs
    consent and names none (or an old one) is refused with the version to accept."""
    if accepted == POLICY_VERSION or not needs_consent(phone):
        return
    message = _("请阅读并同意《用户协议》和《隐私政策》（版本 %(v)s）后登录。") % {
        "v": POLICY_VERSION
    }
    raise ValidationFailed(
        message,
        code="consent_required",
        fields={"accept_policies": message},
        details=policies(),
    )


def record_consent(*, user, client_ip: str | None = None) -> Consent:
    consent, _created = Consent.objects.get_or_create(
        user=user, version=POLICY_VERSION, defaults={"client_ip": client_ip}
    )
    return consent


def export(user) -> dict:
    """Everything the platform holds about the shopper that they can take away, as JSON."""
    orders = Order.objects.filter(shopper=user).prefetch_related("lines").order_by("created_at")
    return {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "id": user.public_id,
            "phone": user.phone,
            "nickname": user.display_name,
            "joined_at": user.date_joined.isoformat(),
        },
        "consents": [
            {"version": c.version, "accepted_at": c.accepted_at.isoformat()}
            for c in user.consents.order_by("accepted_at")
        ],
        "addresses": [
            {
                "name": a.name,
                "phone": a.phone,
                "district": a.district,
                "detail": a.detail,
                "lat": a.lat,
                "lon": a.lon,
                "is_default": a.is_default,
            }
            for a in Address.objects.filter(user=user).order_by("id")
        ],
        "orders": [
            {
                "number": o.number,
                "status": o.status,
                "fulfilment": o.fulfilment,
                "created_at": o.created_at.isoformat(),
                "store": o.store.name if o.store_id else None,
                "delivery_address": o.delivery_address or None,
                "subtotal": str(o.subtotal),
                "discount": str(o.discount_total),
                "delivery_fee": str(o.delivery_fee),
                "total": str(o.total),
                "refunded": str(o.amount_refunded),
                "lines": [
                    {
                        "product": line.product_name,
                        "sku": line.sku_name,
                        "unit_price": str(line.unit_price),
                        "quantity": line.quantity,
                    }
                    for line in o.lines.all()
                ],
            }
            for o in orders.select_related("store")
        ],
        "points": {
            "wallets": [
                {"asset": w["asset_code"], "name": str(w["name"]), "balance": w["balance"]}
                for w in loyalty.wallets(user)
            ],
            "history": [
                {"asset": h["asset_code"], "points": h["points"], "at": h["at"].isoformat()}
                for h in loyalty.history(user, limit=10_000)
            ],
        },
        "balance": str(wallet_balance(user)),
        **export_personal_data(user),
    }


@transaction.atomic
def close_account(*, user) -> User:
    """Refused, with the reason, while something is still owed either way."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if Membership.objects.filter(user=user).exists():
        raise Conflict(_("员工账号请由所属组织移除，不能自行注销。"), code="staff_account")
    open_orders = Order.objects.filter(shopper=user, status__in=OPEN).count()
    if open_orders:
        raise Conflict(
            _("您还有 %(n)s 笔未完成的订单（待付款、待发货、配送中或退款中），完成或取消后再注销。")
            % {"n": open_orders},
            code="open_orders",
        )
    if wallet_balance(user) > 0:
        raise Conflict(_("您的余额尚未用完，请先使用或申请退回余额后再注销。"), code="balance")
    Order.objects.filter(shopper=user).exclude(delivery_address={}).update(
        delivery_address=CLOSED_ADDRESS
    )
    Address.objects.filter(user=user).delete()
    Cart.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    erase_personal_data(user)
    return anonymise_user(user)
