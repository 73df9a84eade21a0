"""The FAQ assistant: which answer a shopper's words mean, or that a person should answer.

Retrieval is TF-IDF over the folded words and bigrams of every question and similar
phrasing (text.features), scored by cosine: an entry scores its best phrasing. Terms the
knowledge base has never seen count in the question's length at the rarest weight, so a
question about something else scores low instead of riding on one shared word. Below
THRESHOLD, or when the shopper asks for a person, the answer is a hand-off.

Five intents live in the same index as built-in entries; they answer from the member's own
data through the lower domains' selectors (orders, pickup codes, points, store hours,
how to return)."""

import math
import threading
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.loyalty import selectors as loyalty
from omniretail.orders import selectors as orders
from omniretail.orders.models import Order
from omniretail.service.models import FaqEntry
from omniretail.service.text import features, fold
from omniretail.stores.models import Store
from omniretail.stores.selectors import todays_hours

THRESHOLD = 0.32
HANDOFF_WORDS = ("人工", "真人", "转客服", "找客服", "客服电话", "投诉电话")

INTENTS: dict[str, tuple[str, ...]] = {
    "order_status": (
        "我的订单到哪了",
        "订单状态",
        "快递到哪了",
        "物流信息查询",
        "我买的东西什么时候到",
        "查一下我的订单",
        "订单进度",
        "配送到哪里了",
        "订单发货了吗",
    ),
    "pickup_code": (
        "我的取货码",
        "提货码是多少",
        "自提码在哪看",
        "取件码",
        "核销码在哪里",
        "到店取货的码",
    ),
    "points": (
        "我的积分",
        "积分余额",
        "我有多少积分",
        "查积分",
        "积分还剩多少",
    ),
    "store_hours": (
        "营业时间",
        "几点开门",
        "几点关门",
        "门店营业到几点",
        "今天营业吗",
        "开门时间",
    ),
    "how_to_return": (
        "怎么退货",
        "如何退款",
        "退换货流程",
        "申请售后",
        "不想要了能退吗",
        "商品坏了怎么办",
    ),
}


@dataclass(frozen=True)
class Reply:
    text: str
    handoff: bool = False
    faq: FaqEntry | None = None
    intent: str = ""
    confidence: float = 0.0
    links: list = field(default_factory=list)


# ------------------------------------------------------------------ the index


class Index:
    """TF-IDF vectors of every phrasing, each pointing at its entry (or intent name)."""

    def __init__(self, docs: list[tuple[object, str]]):
        bags = [(target, Counter(features(text))) for target, text in docs]
        df: Counter = Counter()
        for _target, bag in bags:
            df.update(bag.keys())
        n = len(bags)
        self.idf = {term: math.log((n + 1) / (d + 1)) + 1 for term, d in df.items()}
        self.unseen = math.log(n + 1) + 1
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.targets = []
        for i, (target, bag) in enumerate(bags):
            weights = self._weights(bag)
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for term, w in weights.items():
                self.postings.setdefault(term, []).append((i, w / norm))
            self.targets.append(target)

    def _weights(self, bag: Counter) -> dict[str, float]:
        return {t: (1 + math.log(c)) * self.idf.get(t, self.unseen) for t, c in bag.items()}

    def best(self, text: str) -> tuple[object, float]:
        weights = self._weights(Counter(features(text)))
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return None, 0.0
        scores: Counter = Counter()
        for term, w in weights.items():
            for i, dw in self.postings.get(term, ()):
                scores[i] += w / norm * dw
        if not scores:
            return None, 0.0
        i, score = scores.most_common(1)[0]
        return self.targets[i], score


_cache: dict[tuple, Index] = {}
_lock = threading.Lock()


def _orgs(organization: Organization | None) -> list[int]:
    """A merchant's assistant knows its own answers and the platform's."""
    ids = list(
        Organization.objects.filter(kind=Organization.Kind.PLATFORM, is_active=True).values_list(
            "pk", flat=True
        )
    )
    if organization is not None and organization.pk not in ids:
        ids.append(organization.pk)
    return ids


def index_for(organization: Organization | None) -> Index:
    """The index of these knowledge bases, rebuilt only when an entry changed (one query
    asks for the count and the newest change)."""
    orgs = _orgs(organization)
    entries = FaqEntry.objects.filter(organization__in=orgs)
    stamp = entries.aggregate(n=Count("id"), at=Max("updated_at"))
    key = (tuple(orgs), stamp["n"], stamp["at"])
    index = _cache.get(key)
    if index is None:
        docs: list[tuple[object, str]] = [
            (f"intent:{name}", text) for name, texts in INTENTS.items() for text in texts
        ]
        for entry in entries.select_related("organization"):
            docs += [(entry, entry.question), *((entry, p) for p in entry.phrasings)]
        index = Index(docs)
        with _lock:
            if len(_cache) > 64:
                _cache.clear()
            _cache[key] = index
    return index


# ------------------------------------------------------------------ answering


def wants_person(text: str) -> bool:
    folded = fold(text)
    return any(word in folded for word in HANDOFF_WORDS)


def answer(*, text: str, shopper=None, organization: Organization | None = None) -> Reply:
    """The assistant's reply to one message; `handoff` when a person should answer."""
    if wants_person(text):
        return Reply(_("好的，正在为您转接人工客服。"), handoff=True)
    target, score = index_for(organization).best(text)
    confidence = round(score, 3)
    if target is None or score < THRESHOLD:
        return Reply(
            _("这个问题我还答不好，正在为您转接人工客服。"), handoff=True, confidence=confidence
        )
    if isinstance(target, str):
        name = target.removeprefix("intent:")
        text, links = INTENT_ANSWERS[name](shopper, organization)
        return Reply(text, intent=name, confidence=confidence, links=links)
    return Reply(target.answer, faq=target, confidence=confidence, links=list(target.links))


def _signed_in(shopper) -> bool:
    return bool(getattr(shopper, "is_authenticated", False))


def _my_orders(shopper, organization):
    qs = orders.orders_of_shopper(shopper).order_by("-created_at", "-id")
    if organization is not None and organization.kind == Organization.Kind.MERCHANT:
        qs = qs.filter(merchant=organization)
    return qs


def _order_status(shopper, organization) -> tuple[str, list]:
    if not _signed_in(shopper):
        return _("请先登录，我才能查到您的订单。"), [{"title": _("登录"), "url": "/login/"}]
    recent = list(_my_orders(shopper, organization)[:3])
    if not recent:
        return _("您还没有订单。"), []
    lines = [
        _("订单 %(number)s：%(status)s（%(store)s）")
        % {"number": o.number, "status": o.get_status_display(), "store": o.store.name}
        for o in recent
    ]
    links = [{"title": o.number, "url": f"/orders/{o.public_id}/"} for o in recent]
    return _("您最近的订单：") + "\n" + "\n".join(lines), links


def _pickup_code(shopper, organization) -> tuple[str, list]:
    if not _signed_in(shopper):
        return _("请先登录，我才能查到您的取货码。"), [{"title": _("登录"), "url": "/login/"}]
    waiting = [
        o
        for o in _my_orders(shopper, organization).filter(
            status__in=[Order.Status.PAID, Order.Status.READY_FOR_PICKUP],
            pickup_code__redeemed_at__isnull=True,
            pickup_code__isnull=False,
        )[:3]
    ]
    if not waiting:
        return _("您没有待取货的订单。"), []
    lines = [
        _("订单 %(number)s 的取货码：%(code)s（到 %(store)s 出示）")
        % {"number": o.number, "code": o.pickup_code.code, "store": o.store.name}
        for o in waiting
    ]
    return "\n".join(lines), [
        {"title": o.number, "url": f"/orders/{o.public_id}/"} for o in waiting
    ]


def _points(shopper, organization) -> tuple[str, list]:
    if not _signed_in(shopper):
        return _("请先登录，我才能查到您的积分。"), [{"title": _("登录"), "url": "/login/"}]
    wallets = loyalty.wallets(shopper)
    if not wallets:
        return _("您还没有积分。"), [{"title": _("积分钱包"), "url": "/me/points/"}]
    lines = [
        _("%(name)s：%(points)s 分") % {"name": w["name"], "points": w["balance"]} for w in wallets
    ]
    return _("您的积分：") + "\n" + "\n".join(lines), [
        {"title": _("积分钱包"), "url": "/me/points/"}
    ]


def _store_hours(shopper, organization) -> tuple[str, list]:
    stores = Store.objects.filter(is_active=True).prefetch_related("hours").order_by("id")
    if organization is not None and organization.kind == Organization.Kind.MERCHANT:
        stores = stores.filter(merchant=organization)
    elif _signed_in(shopper):
        visited = _my_orders(shopper, None).values("store_id")[:20]
        if Store.objects.filter(pk__in=visited).exists():
            stores = stores.filter(pk__in=visited)
    now = timezone.now()
    lines = []
    for store in stores[:5]:
        hours = todays_hours(store, now)
        if not hours:
            when = _("今天休息")
        elif all(opens == closes for opens, closes in hours):
            when = _("24 小时营业")
        else:
            when = "、".join(f"{o:%H:%M}-{c:%H:%M}" for o, c in hours)
        lines.append(f"{store.name}：{when}")
    if not lines:
        return _("暂时没有营业中的门店。"), []
    return _("今天的营业时间：") + "\n" + "\n".join(lines), []


def _how_to_return(shopper, organization) -> tuple[str, list]:
    text = _(
        "在「我的订单」里打开订单，点「申请售后」，选择退款或退货并写明原因、上传照片；"
        "商家同意后退款原路退回。"
    )
    return text, [{"title": _("我的订单"), "url": "/orders/"}]


INTENT_ANSWERS = {
    "order_status": _order_status,
    "pickup_code": _pickup_code,
    "points": _points,
    "store_hours": _store_hours,
    "how_to_return": _how_to_return,
}
