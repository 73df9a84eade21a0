"""The platform operators' console navigation: every /ops/ page an operator opens shows the
same side navigation (a tab bar on a phone), so no operator page is a dead end reached only
from 我的. Each entry's view admits every platform operator (`operator_required`)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.selectors import is_platform_operator

OPS_NAV = [
    ("web:ops_analytics", _("数据分析")),
    ("web:ops_top_ups", _("充值审核")),
    ("web:ops_credit", _("信用额度")),
    ("web:ops_points_statements", _("积分结算")),
    ("web:ops_banners", _("首页横幅")),
    ("web:ops_brand_halls", _("品牌馆")),
    ("web:ops_featured", _("優品匯")),
    ("web:ops_search_hot_words", _("热搜词")),
    ("web:ops_community_words", _("社群违禁词")),
]


def console_context(request) -> dict:
    """`ops_nav` on /ops/ pages for a platform operator: (url, label, current) per entry."""
    if not request.path.startswith("/ops/") or not is_platform_operator(request.user):
        return {}
    here = request.path
    entries = []
    for name, label in OPS_NAV:
        url = reverse(name)
        entries.append((url, label, here.startswith(url)))
    return {"ops_nav": entries}
