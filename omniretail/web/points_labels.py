"""积分明细 in words. Services record what a points posting is about as an internal memo
(`share:<product id>`, `order:<order id>`, `refund:<posting id>`, `lot:<lot id>`, `debt`);
a member reads a sentence instead, and never an id. A reference already written for people
(「订单 20261205001」, 「扫码积分：…」) is shown as it is."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.catalog.models import Product
from omniretail.ledger.models import Posting
from omniretail.orders.models import Order

MEMO = re.compile(r"^(?P<tag>[a-z_]+):(?P<id>[0-9a-z]+)$|^(?P<bare>debt)$")

KIND_LABELS = {
    "loyalty_award": gettext_lazy("获得积分"),
    "loyalty_spend": gettext_lazy("使用积分"),
    "loyalty_clawback": gettext_lazy("积分扣回"),
    "loyalty_convert": gettext_lazy("兑换为平台积分"),
    "loyalty_refund": gettext_lazy("积分退回"),
    "loyalty_expired": gettext_lazy("积分过期"),
}


def _names(model, field: str, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(model.objects.filter(public_id__in=ids).values_list("public_id", field))


def label_history(entries: list[dict]) -> list[dict]:
    """Each entry of `loyalty.selectors.history` with a `label`; one query per kind of memo
    that names something (a product, an order, a refund's reason)."""
    memos = [MEMO.match(e["reason"] or "") for e in entries]
    wanted: dict[str, set[str]] = {"share": set(), "order": set(), "refund": set()}
    for entry, memo in zip(entries, memos, strict=True):
        if memo and memo["tag"] in wanted:
            wanted[memo["tag"]].add(entry["id"] if memo["tag"] == "refund" else memo["id"])
    products = _names(Product, "name", wanted["share"])
    orders = _names(Order, "number", wanted["order"])
    refunds = _names(Posting, "memo", wanted["refund"])
    for entry, memo in zip(entries, memos, strict=True):
        by_kind = str(KIND_LABELS.get(entry["kind"], _("积分变动")))
        if not entry["reason"]:
            entry["label"] = by_kind
        elif memo is None:
            entry["label"] = entry["reason"]
        elif memo["bare"] == "debt":
            entry["label"] = _("返利扣回")
        elif memo["tag"] == "share":
            name = products.get(memo["id"])
            entry["label"] = _("分享商品「%(name)s」") % {"name": name} if name else _("分享奖励")
        elif memo["tag"] == "order":
            number = orders.get(memo["id"])
            entry["label"] = (
                _("分享返利：订单 %(number)s") % {"number": number} if number else _("分享返利")
            )
        elif memo["tag"] == "refund":
            entry["label"] = (refunds.get(entry["id"]) or {}).get("reason") or by_kind
        else:
            entry["label"] = by_kind
    return entries
