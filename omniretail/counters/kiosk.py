"""The kiosk screen's own pass, separate from the device's API credential (which never
appears in a URL, so never in an access log). The serving store's manager issues a pairing
link; opening it on the counter's screen, once and within its lifetime, gives the screen a
display pass: a signed value naming the counter and the device credential that was live at
pairing. The pass shows that counter's screen and takes SMS codes typed on it, nothing
else: the device API authenticates the `Authorization` header alone. Revoking the device
credential closes the screen too; a screen in use renews its pass on every refresh."""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict, PermissionDenied
from omniretail.counters.models import Counter
from omniretail.counters.services import require_manager
from omniretail.counters.vending import UNAVAILABLE

PAIR_SALT = "omniretail.counters.kiosk-pair"
PASS_SALT = "omniretail.counters.kiosk-pass"


def _live_key_id(counter: Counter) -> str | None:
    live = counter.credentials.filter(revoked_at__isnull=True).order_by("-id")
    return live.values_list("key_id", flat=True).first()


def pairing_token(*, actor, counter: Counter, ttl_s: int | None = None) -> tuple[str, datetime]:
    """A one-time pairing token for the counter's screen and when it stops working."""
    require_manager(actor, counter)
    key_id = _live_key_id(counter)
    if key_id is None:
        raise Conflict(_("请先为售货柜签发设备凭证。"), code="no_credential")
    expires = int(time.time()) + (ttl_s or settings.OMNI_COUNTER_KIOSK_PAIRING_S)
    payload = {"c": counter.code, "k": key_id, "n": secrets.token_urlsafe(12), "e": expires}
    token = signing.dumps(payload, salt=PAIR_SALT, compress=True)
    return token, datetime.fromtimestamp(expires, tz=UTC)


def pair(*, counter: Counter, token: str) -> str:
    """Spend a pairing token (once, within its lifetime) for the screen's display pass."""
    refused = PermissionDenied(
        _("配对链接无效、已过期或已使用，请在运营后台重新生成。"), code="kiosk_pairing_invalid"
    )
    try:
        data = signing.loads(token, salt=PAIR_SALT)
        left = int(data["e"]) - int(time.time())
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise refused from None
    if left <= 0 or data.get("c") != counter.code or data.get("k") != _live_key_id(counter):
        raise refused
    # one use: the first screen to open the link takes it (across processes when the cache
    # is shared)
    if not cache.add(f"kiosk-pair:{data['n']}", 1, timeout=left):
        raise refused
    return display_pass(counter)


def display_pass(counter: Counter) -> str:
    return signing.dumps({"c": counter.code, "k": _live_key_id(counter)}, salt=PASS_SALT)


def counter_for_pass(*, counter: Counter, value: str | None) -> Counter:
    """The counter whose screen this pass opens; refused when it is another counter's, too
    old, or its device credential has been revoked since pairing."""
    max_age = settings.OMNI_COUNTER_KIOSK_PASS_S
    try:
        data = signing.loads(value or "", salt=PASS_SALT, max_age=max_age)
    except signing.BadSignature:
        data = {}
    if data.get("c") != counter.code or data.get("k") != _live_key_id(counter):
        raise PermissionDenied(
            _("请用运营后台生成的配对链接打开售货柜屏幕。"), code="kiosk_unpaired"
        )
    return counter


@dataclass(frozen=True)
class ScreenState:
    """What the screen says about the counter and whether it offers buying at all."""

    status: str  # Counter.live_status: a silent counter reads offline
    label: str
    can_buy: bool
    notice: str


def screen_state(counter: Counter) -> ScreenState:
    status = counter.live_status
    notices = {
        Counter.Status.OFFLINE: _("售货柜暂时离线，暂停售卖，请稍后再试或前往门店购买。"),
        Counter.Status.MAINTENANCE: _("售货柜维护中，暂停售卖。"),
        Counter.Status.FAULT: _("售货柜故障，暂停售卖，门店已收到通知。"),
    }
    return ScreenState(
        status=status,
        label=str(Counter.Status(status).label),
        can_buy=status not in UNAVAILABLE,
        notice=str(notices.get(status, "")),
    )


def require_sellable(counter: Counter) -> None:
    """A code typed on a screen whose counter cannot open a door is refused, not announced
    as an unlock that will never come."""
    state = screen_state(counter)
    if not state.can_buy:
        raise Conflict(state.notice, code="counter_unavailable", details={"status": state.status})


def navigation_url(counter: Counter) -> str:
    """The serving store on a map a phone opens for directions (Amap's public URI)."""
    store = counter.store
    query = urlencode({"position": f"{store.lon},{store.lat}", "name": store.name, "src": "omni"})
    return f"https://uri.amap.com/marker?{query}"
