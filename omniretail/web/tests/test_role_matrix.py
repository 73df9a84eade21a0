"""Every console page (/merchant/, /ops/, /supply/, /producer/) as each person sees it: a
merchant's owner, manager, staff and customer service, another merchant's owner, and an
anonymous visitor. The rule is the API's: loyalty and referrals are for owners and managers
(the other roles get the 403 page), another organisation's object is not found (404), and
anonymous visitors are sent to log in (302). The table is checked against the URLconf, so a
new console page without a row fails here.

POSTs send a form the page refuses (or an action that changes nothing visible), so a role
that may act gets the page's own 4xx and never moves money; a role that may not gets the
access rule's status first."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Membership, User
from omniretail.catalog import services as catalog
from omniretail.codes import services as codes
from omniretail.conftest import make_staff, make_store
from omniretail.counters import leads
from omniretail.counters import services as counters
from omniretail.counters.models import StaffTask, TestRide
from omniretail.groupbuy import services as groupbuy
from omniretail.inventory import services as inventory
from omniretail.orders import aftersales
from omniretail.orders import services as orders
from omniretail.orders.state import transition
from omniretail.payments import services as payments
from omniretail.referrals.models import PayoutRequest, Reseller
from omniretail.reviews import services as reviews
from omniretail.service import chat as service_chat
from omniretail.service import complaints as service_complaints
from omniretail.supply import procurement
from omniretail.supply import services as supply
from omniretail.till import services as till
from omniretail.web.tests.factories import place_order, publish

CONSOLE_PREFIXES = ("merchant/", "ops/", "supply/", "producer/")
WHO = ("anonymous", "owner", "manager", "staff", "customer_service", "rival")
R = Membership.Role
FAST = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    OMNI_EVENTS_DELIVERY="inline",
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
)

# Expected status per person, in the order of WHO. ALL: every member of a merchant may
# open it; MANAGED: owners and managers only (loyalty, referrals); MINE: an object of ours.
LOGIN = 302


def row(method, anonymous, owner, manager, staff, cs, rival, *, args=(), data=None):
    return {
        "method": method,
        "args": args,
        "data": data or {},
        "expected": dict(zip(WHO, (anonymous, owner, manager, staff, cs, rival), strict=True)),
    }


MATRIX = {
    # the store console: every role of the merchant; the rival sees its own store's pages
    "m_dashboard": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_redeem": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_orders": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_order": row("get", LOGIN, 200, 200, 200, 200, 404, args=("order",)),
    "m_order_action": row(
        "post", LOGIN, 422, 422, 422, 422, 404, args=("order",), data={"action": "?"}
    ),
    "m_decide": row(
        "post",
        LOGIN,
        *(422,) * 4,  # a rejection needs a note
        404,
        args=("after_sales",),
        data={"order": "order", "decision": "reject"},
    ),
    "m_after_sales": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_receive_return": row(
        "post",
        LOGIN,
        *(409,) * 4,  # the request is no return waiting for its goods
        404,
        args=("after_sales",),
        data={"order": "order", "condition": "resellable"},
    ),
    "m_stock": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_deliveries": row("get", LOGIN, 200, 200, 200, 200, 200),
    # the till: every role of the merchant; the rival has its own store's till
    "till": row("get", LOGIN, 200, 200, 200, 200, 200),
    "till_shift": row("get", LOGIN, 200, 200, 200, 200, 200),
    "till_receipt": row("get", LOGIN, 200, 200, 200, 200, 404, args=("till_sale",)),
    # a paid sale cannot be cancelled (409); another merchant's is not found
    "till_cancel": row("post", LOGIN, 409, 409, 409, 409, 404, args=("till_sale",)),
    "till_receipt_pdf": row("get", LOGIN, 200, 200, 200, 200, 404, args=("till_sale",)),
    "till_refund": row("get", LOGIN, 200, 200, 200, 200, 404, args=("till_sale",)),
    "m_points_goods": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_groupbuy": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_groupbuy_campaign": row("get", LOGIN, 200, 200, 200, 200, 404, args=("campaign",)),
    "m_reviews": row("get", LOGIN, 200, 200, 200, 200, 200),
    "m_review_hide": row(
        "post", LOGIN, 302, 302, 302, 302, 404, args=("review",), data={"reason": "辱骂"}
    ),
    # editing a reply that was never written: refused for the merchant, not found for the rival
    "m_review_reply": row(
        "post", LOGIN, *(409,) * 4, 404, args=("review",), data={"reply": "谢谢", "edit": "1"}
    ),
    # staff: owners only (the rival owner runs its own merchant's page); bad input is a 4xx
    "m_staff": row("get", LOGIN, 200, 403, 403, 403, 200),
    "m_staff_invite": row(
        "post", LOGIN, 422, 403, 403, 403, 422, data={"phone": "+1 415 555 0100", "role": "staff"}
    ),
    "m_staff_revoke": row("post", LOGIN, 404, 403, 403, 403, 404, args=("unknown",)),
    "m_staff_role": row(
        "post", LOGIN, 404, 403, 403, 403, 404, args=("unknown",), data={"role": "staff"}
    ),
    "m_staff_remove": row("post", LOGIN, 404, 403, 403, 403, 404, args=("unknown",)),
    # member archive: owners and managers; another merchant's member is not found
    "m_members": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_member_tiers": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_member": row("get", LOGIN, 404, 404, 403, 403, 404, args=("unknown",)),
    # store settings: owners and managers; a close before the open without 次日 is refused
    "m_store": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_store_details": row("post", LOGIN, 422, 422, 403, 403, 422, data={"name": ""}),
    "m_store_hours": row(
        "post",
        LOGIN,
        422,
        422,
        403,
        403,
        422,
        data={"opens_0_0": "18:00", "closes_0_0": "09:00"},
    ),
    "m_store_exception": row("post", LOGIN, 422, 422, 403, 403, 422, data={"date": "明天"}),
    "m_store_photos": row("post", LOGIN, 422, 422, 403, 403, 422),  # no file chosen
    "m_store_photo_remove": row("post", LOGIN, 404, 404, 403, 403, 404, args=(999999,)),
    # store promotions: owners and managers; another store's promotion is not found
    "m_promotions": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_promotion_end": row("post", LOGIN, 404, 404, 403, 403, 404, args=("unknown",)),
    "m_store_exception_remove": row("post", LOGIN, 404, 404, 403, 403, 404, args=("2099-01-01",)),
    # customer service: owners, managers and customer-service staff (not shop assistants);
    # the conversation is closed by another agent, so every action on it is a 409
    "m_service": row("get", LOGIN, 200, 200, 403, 200, 200),
    "m_service_queue": row("get", LOGIN, 200, 200, 403, 200, 200),
    "m_service_canned": row("post", LOGIN, 422, 422, 403, 422, 422),
    "m_service_conversation": row("get", LOGIN, 200, 200, 403, 200, 404, args=("conversation",)),
    "m_service_transcript": row("get", LOGIN, 200, 200, 403, 200, 404, args=("conversation",)),
    "m_service_claim": row("post", LOGIN, 409, 409, 403, 409, 404, args=("conversation",)),
    "m_service_reply": row(
        "post", LOGIN, 409, 409, 403, 409, 404, args=("conversation",), data={"text": "您好"}
    ),
    "m_service_close": row("post", LOGIN, 409, 409, 403, 409, 404, args=("conversation",)),
    # a transfer names nobody here (422); presence wants online or away (422); the
    # assignment and deadline are the owner's and managers' to save (customer service 403)
    "m_service_transfer": row("post", LOGIN, 422, 422, 403, 422, 404, args=("conversation",)),
    "m_service_presence": row("post", LOGIN, 422, 422, 403, 422, 422),
    "m_service_settings": row("get", LOGIN, 200, 200, 403, 200, 200),
    "m_service_settings_save": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_service_faq": row("get", LOGIN, 200, 200, 403, 200, 200),
    "m_service_faq_save": row("post", LOGIN, 422, 422, 403, 422, 422),
    "m_service_faq_import": row("post", LOGIN, 422, 422, 403, 422, 422),
    "m_service_faq_delete": row("post", LOGIN, 404, 404, 403, 404, 404, args=("unknown",)),
    # complaints: the merchant's service staff answer, only the platform resolves
    "m_complaints": row("get", LOGIN, 200, 200, 403, 200, 200),
    "m_complaint": row("get", LOGIN, 200, 200, 403, 200, 404, args=("complaint",)),
    "m_complaint_answer": row("post", LOGIN, 422, 422, 403, 422, 404, args=("complaint",)),
    "m_complaint_resolve": row("post", LOGIN, 403, 403, 403, 403, 403, args=("complaint",)),
    # loyalty: owners and managers, as /api/loyalty's managed routes
    "m_loyalty": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_analytics": row("get", LOGIN, 200, 200, 403, 403, 200),
    # counters' reports: owners and managers; another merchant's counter is not found
    "m_analytics_counters": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_analytics_counter": row("get", LOGIN, 200, 200, 403, 403, 404, args=("counter",)),
    "m_analytics_marketing": row("get", LOGIN, 200, 200, 403, 403, 200),
    # a store's SKUs: owners and managers; the rival's own merchant has no such store (404)
    "m_analytics_store": row("get", LOGIN, 200, 200, 403, 403, 404, args=("store",)),
    # member segments (RFM): owners and managers, each of its own members; sending a segment
    # a coupon without one is refused on the page (422)
    "m_analytics_members": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_analytics_members_send": row("post", LOGIN, 422, 422, 403, 403, 422),
    # segments defined by rules: an empty form saves nothing (422); an unknown key is 422
    "m_analytics_segments_define": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_analytics_segments_delete": row("post", LOGIN, 422, 422, 403, 403, 422, args=("rule-0",)),
    # SMS campaigns: an empty text is refused (422); no campaign 0 for anyone (404)
    "m_analytics_sms_send": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_analytics_sms": row("get", LOGIN, 404, 404, 403, 403, 404, args=(0,)),
    "m_analytics_points_send": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_analytics_points": row("get", LOGIN, 404, 404, 403, 403, 404, args=(0,)),
    # birthday campaigns: an empty form (no gift) is refused (422); no campaign 0 to stop (404)
    "m_analytics_birthday_start": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_analytics_birthday_stop": row("post", LOGIN, 404, 404, 403, 403, 404, args=(0,)),
    "m_loyalty_coupon_template": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_loyalty_coupon_issue": row("post", LOGIN, 404, 404, 403, 403, 404),
    "m_loyalty_rule": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_loyalty_exchange": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_loyalty_statement": row("post", LOGIN, 422, 422, 403, 403, 422),
    # referrals: owners and managers, as /api/referrals' merchant routes
    "m_referrals": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_referrals_programme": row("post", LOGIN, 422, 422, 403, 403, 422),
    "m_referrals_rate": row("post", LOGIN, 404, 404, 403, 403, 404),
    "m_payout_decide": row(
        "post",
        LOGIN,
        422,  # a rejection needs a reason
        422,
        403,
        403,
        404,
        args=("payout",),
        data={"decision": "reject"},
    ),
    # counters' operations: every role of the merchant that serves the counter
    "counter_ops": row("get", LOGIN, 200, 200, 200, 200, 200),
    "counter_ops_detail": row("get", LOGIN, 200, 200, 200, 200, 404, args=("counter",)),
    "counter_ops_restock": row(
        "post", LOGIN, 422, 422, 422, 422, 404, args=("counter",), data={"bay-1": "x"}
    ),
    "counter_lead": row(
        "post", LOGIN, 422, 422, 422, 422, 404, args=("lead",), data={"status": "?"}
    ),
    # the clerk at the counter pairs its screen, as any role of the serving merchant may
    "counter_kiosk_link": row("post", LOGIN, 200, 200, 200, 200, 404, args=("counter",)),
    "counter_task_done": row("post", LOGIN, 302, 302, 302, 302, 404, args=("task",)),
    # registering counters and ads: any role of a merchant, for its own stores and counters
    "counter_ops_new": row("get", LOGIN, 200, 200, 200, 200, 200),
    "counter_ops_ads": row("get", LOGIN, 200, 200, 200, 200, 200),
    # a counter's credentials, maintenance, flag and content: as the API, any role of the
    # serving merchant; the installer reads a new credential off the page once
    "counter_ops_credential_issue": row("post", LOGIN, 200, 200, 200, 200, 404, args=("counter",)),
    "counter_ops_credential_revoke": row(
        "post", LOGIN, 404, 404, 404, 404, 404, args=("counter", "ck_unknown")
    ),
    "counter_ops_maintenance": row(
        "post", LOGIN, 422, 422, 422, 422, 404, args=("counter",), data={"on": "?"}
    ),
    "counter_ops_flag_clear": row(
        "post", LOGIN, 422, 422, 422, 422, 404, args=("counter",), data={"reason": ""}
    ),
    "counter_ops_content": row(
        "post", LOGIN, 422, 422, 422, 422, 404, args=("counter",), data={"headline": "长" * 121}
    ),
    # packaging codes: a producer's staff only
    "code_batches": row("get", LOGIN, 403, 403, 403, 403, 403),
    "counter_insight": row("get", LOGIN, 403, 403, 403, 403, 403),
    "producer_production": row("get", LOGIN, 403, 403, 403, 403, 403),
    "producer_analytics_counters": row("get", LOGIN, 403, 403, 403, 403, 403),
    # the producer's and the region's dashboards: their staff only (or the platform)
    "producer_analytics": row("get", LOGIN, 403, 403, 403, 403, 403),
    "producer_analytics_region": row("get", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "region_analytics": row("get", LOGIN, 403, 403, 403, 403, 403),
    "region_analytics_retailer": row("get", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "producer_lead": row("post", LOGIN, 403, 403, 403, 403, 403, args=("lead",)),
    "counter_lead_pass_on": row("post", LOGIN, 302, 302, 302, 302, 404, args=("lead",)),
    "counter_ops_test_rides": row("get", LOGIN, 200, 200, 200, 200, 200),
    "counter_ops_test_ride_move": row(
        "post", LOGIN, 422, 422, 422, 422, 404, args=("test_ride",), data={"status": "?"}
    ),
    "code_batch": row("get", LOGIN, 403, 403, 403, 403, 403, args=("batch",)),
    # 特价促销: producers and the platform only
    "specials": row("get", LOGIN, 403, 403, 403, 403, 403),
    "special_end": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    # merchandising consoles: brand halls for platform operators; 優品匯 and home banners for
    # platform operators and regions' staff
    "ops_brand_halls": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_brand_hall": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_featured": row("post", LOGIN, 403, 403, 403, 403, 403),
    "ops_featured_end": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_banners": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_banner_end": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    # 免费试用: each organisation sees its own products' offers (a merchant may have none)
    "samples": row("get", LOGIN, 200, 200, 200, 200, 200),
    "sample_requests": row("get", LOGIN, 404, 404, 404, 404, 404, args=("unknown",)),
    "sample_end": row("post", LOGIN, 404, 404, 404, 404, 404, args=("unknown",)),
    "code_batch_progress": row("get", LOGIN, 403, 403, 403, 403, 403, args=("batch",)),
    # the supply channel: each kind of organisation is sent to its own console, and a
    # refused form goes back with its message (302); a retailer's objects are its own
    "supply_home": row("get", LOGIN, 302, 302, 302, 302, 302),
    "supply_register": row("get", 200, 200, 200, 200, 200, 200),
    "supply_producer": row("get", LOGIN, 200, 200, 200, 200, 200),  # "apply first"
    "supply_upload": row("post", LOGIN, 302, 302, 302, 302, 302),
    "supply_terms": row("post", LOGIN, 302, 302, 302, 302, 302, args=("offer",)),
    "supply_review": row("get", LOGIN, 302, 302, 302, 302, 302),
    "supply_decide_goods": row("post", LOGIN, 302, 302, 302, 302, 302, args=("product",)),
    "supply_decide_producer": row("post", LOGIN, 302, 302, 302, 302, 302, args=("unknown",)),
    "supply_split": row("post", LOGIN, 302, 302, 302, 302, 302),
    "supply_region": row("get", LOGIN, 302, 302, 302, 302, 302),
    "supply_select": row("post", LOGIN, 302, 302, 302, 302, 302),
    "supply_retailer": row("get", LOGIN, 200, 200, 200, 200, 200),
    "supply_order_goods": row("post", LOGIN, 302, 302, 302, 302, 302),
    "supply_po": row("get", LOGIN, 200, 200, 200, 200, 404, args=("po",)),
    "supply_po_action": row("post", LOGIN, 302, 302, 302, 302, 302, args=("po", "none")),
    "supply_statements": row("get", LOGIN, 200, 200, 200, 200, 200),
    "supply_issue": row("post", LOGIN, 302, 302, 302, 302, 302),
    "supply_csv": row("get", LOGIN, 404, 404, 404, 404, 404, args=("unknown",)),
    "supply_pay": row("post", LOGIN, 302, 302, 302, 302, 302, args=("unknown",)),
    "supply_shop": row("get", 200, 200, 200, 200, 200, 200, args=("store",)),
    "supply_mall": row("get", 200, 200, 200, 200, 200, 200),
    "supply_deliver": row("post", LOGIN, 302, 302, 302, 302, 302),
    # a retailer's joining: anyone signed in may apply; the review is the platform's
    "supply_join": row("get", LOGIN, 200, 200, 200, 200, 200),
    "supply_join_licence": row("get", LOGIN, 404, 404, 404, 404, 404, args=("unknown",)),
    "supply_review_merchants": row("get", LOGIN, 302, 302, 302, 302, 302),
    "supply_decide_merchant": row("post", LOGIN, 302, 302, 302, 302, 302, args=("unknown",)),
    "supply_joining_reward": row("post", LOGIN, 302, 302, 302, 302, 302),
    # payments and refunds: the merchant's owners and managers
    "m_payments": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_payment_refund": row("post", LOGIN, 404, 404, 403, 403, 404, args=("unknown",)),
    # card terminals: the merchant's owners and managers
    "m_terminals": row("get", LOGIN, 200, 200, 403, 403, 200),
    "m_terminal_revoke": row("post", LOGIN, 404, 404, 403, 403, 404, args=("unknown",)),
    # platform finance: platform operators only, merchants' owners included refused
    "ops_top_ups": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_top_up_rule": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_top_up_refund": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_reconciliation": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_analytics": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_quality": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_quality_merge": row("post", LOGIN, 403, 403, 403, 403, 403),
    "ops_quality_undo": row("post", LOGIN, 403, 403, 403, 403, 403, args=(0,)),
    "ops_goods_merges": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_goods_merge": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_goods_merge_undo": row("post", LOGIN, 403, 403, 403, 403, 403, args=("x",)),
    "ops_analytics_merchant": row("get", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_analytics_marketing": row("get", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_analytics_store": row("get", LOGIN, 403, 403, 403, 403, 403, args=("unknown", "unknown")),
    "ops_analytics_counters": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_analytics_counters_merchant": row(
        "get", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)
    ),
    "ops_analytics_counter": row(
        "get", LOGIN, 403, 403, 403, 403, 403, args=("unknown", "unknown")
    ),
    "ops_economics": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_economics_org": row("get", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    # community: the platform's prohibited words and the moderation audit
    "ops_community_words": row("get", LOGIN, 403, 403, 403, 403, 403),
    # search: the platform's 热搜 words (pin, ban)
    "ops_search_hot_words": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_reconciliation_detail": row("get", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_credit": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_points_statements": row("get", LOGIN, 403, 403, 403, 403, 403),
    "ops_points_statement_settle": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_credit_line": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_credit_rules": row("post", LOGIN, 403, 403, 403, 403, 403),
    "ops_credit_rule": row("post", LOGIN, 403, 403, 403, 403, 403, args=("unknown",)),
    "ops_instalment_terms": row("post", LOGIN, 403, 403, 403, 403, 403),
}


def _console_names(patterns, prefix: str = "") -> set[str]:
    names = set()
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            names |= _console_names(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith(CONSOLE_PREFIXES):
            names.add(entry.name)
    return names


def test_every_console_page_of_the_urlconf_has_a_row_in_the_matrix():
    web = next(r for r in get_resolver().url_patterns if getattr(r, "namespace", None) == "web")
    assert _console_names(web.url_patterns) == set(MATRIX)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One merchant with a member in each role and an object behind every detail page,
    and a rival merchant's owner with a store of its own; built once for the module and
    rolled back at its end (each test's own changes are rolled back after it)."""
    with django_db_blocker.unblock(), FAST, transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


def _build() -> SimpleNamespace:
    region = accounts.create_organization(kind="region", name="杭州运营中心", code="hz")
    merchant = accounts.create_organization(
        kind="merchant", name="湖滨便利", code="hubin", region=region
    )
    rival_org = accounts.create_organization(
        kind="merchant", name="西溪生活馆", code="xixi", region=region
    )
    platform = accounts.create_organization(kind="platform", name="平台", code="platform")
    producer = accounts.create_organization(kind="producer", name="绿源生物", code="lvyuan")
    people = {
        role: make_staff(merchant, f"hubin-{role}", role=role)
        for role in (R.OWNER, R.MANAGER, R.STAFF, R.CUSTOMER_SERVICE)
    }
    people["rival"] = make_staff(rival_org, "xixi-owner", role=R.OWNER)
    ops, maker = make_staff(platform, "ops"), make_staff(producer, "maker")
    region_ops = make_staff(region, "region-ops")
    manager = people[R.MANAGER]

    store = make_store(manager, merchant, "湖滨店")
    make_store(people["rival"], rival_org, "西溪店", lat=30.2747, lon=120.0706)
    category = catalog.create_category(actor=ops, name="美妆个护", slug="beauty")
    product = publish(
        ops,
        maker,
        producer,
        category=category,
        name="玻尿酸补水面膜",
        skus=[{"code": "MASK-10", "name": "10 片装", "price": "39.90"}],
    )
    sku = product.skus.get()
    location = inventory.location_for_store(store)
    inventory.receive_stock(actor=manager, location=location, sku=sku, quantity=50)

    shopper = User.objects.create(username="m13800138000", phone="13800138000")
    payments.top_up_wallet(user=shopper, amount="1000.00", idempotency_key="matrix")
    order = place_order(shopper, store, [(sku, 1)])
    order = _paid(order)
    orders.mark_ready_for_pickup(staff=manager, order=order)
    with transaction.atomic():
        transition(order, "completed", actor=manager)
    review = reviews.write_review(
        shopper=shopper, order_id=order.public_id, sku_id=sku.public_id, rating=2, text="一般"
    )
    after_sales = aftersales.request_after_sales(
        shopper=shopper, order=order, kind="refund_only", reason="包装破损"
    )
    agent = make_staff(merchant, "hubin-agent", role=R.CUSTOMER_SERVICE)
    service_chat.heartbeat(agent=agent)
    conversation = service_chat.ask(shopper=shopper, text="转人工", organization=merchant)[0]
    service_chat.close(agent=agent, conversation_id=conversation.conversation.public_id)
    complaint = service_complaints.file_complaint(
        shopper=shopper, about="merchant", target=merchant.public_id, text="店员态度不好"
    )

    campaign = groupbuy.publish_campaign(
        actor=manager,
        store=store,
        sku=sku,
        title="面膜拼团",
        description="3 人成团",
        quantity=3,
        group_price="19.90",
        group_size=3,
        winners_per_group=1,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(days=3),
        navigation_address="杭州市上城区湖滨路 18 号",
        phone="0571-88001188",
        consolation_points=0,
        unfilled_points=0,
    )
    counter = counters.register_counter(
        actor=manager,
        store=store,
        code="HZ-001",
        name="湖滨银泰柜",
        site_name="湖滨银泰 in77",
        address="杭州市上城区延安路258号",
        lat=30.2590,
        lon=120.1650,
        content={"headline": "自助购"},
    )
    counters.add_bay(actor=manager, counter=counter, number="1", sku=sku, par_level=1, capacity=3)
    counters.issue_credential(actor=manager, counter=counter)  # a screen can be paired
    task = counters.open_task(
        counter=counter, kind=StaffTask.Kind.RESTOCK, key="", details={"bays": {}}
    )
    lead = leads.record_scan(counter=counter, product=product, user=shopper)
    test_ride = TestRide.objects.create(
        counter=counter,
        store=counter.store,
        product=product,
        member=shopper,
        starts_at=timezone.now() + timedelta(days=1),
        contact_name="王小明",
        contact_phone="13800138000",
    )
    till_sale = till.ring_up(staff=manager, store=store, lines=[(sku, 1)], cash_tendered="50")

    reseller = Reseller.objects.create(user=shopper, merchant=merchant, qualifying_product=product)
    payout = PayoutRequest.objects.create(reseller=reseller, amount="60.00")
    batch = codes.order_batch(
        actor=maker, producer=producer, sku=sku, quantity=1, points_per_scan=1
    )

    goods = supply.upload_goods(
        actor=maker,
        producer=producer,
        category=category,
        name="有机高山茶油",
        skus=[
            {
                "code": "SUP-1",
                "name": "500ml",
                "retail_price": "120.00",
                "wholesale_price": "60.00",
                "wholesale_ceiling": "80.00",
                "min_order_quantity": 1,
            }
        ],
    )
    supply.review_goods(actor=ops, product=goods, approve=True, featured_zones=["home"])
    offer = goods.skus.get().offer
    selection = supply.select_offer(
        actor=region_ops, region=region, offer=offer, wholesale_price="70.00"
    )
    po = procurement.place_order(actor=manager, store=store, lines=[(selection, 2)])

    ids = {
        "order": order.public_id,
        "after_sales": after_sales.public_id,
        "review": review.public_id,
        "conversation": conversation.conversation.public_id,
        "complaint": complaint.public_id,
        "campaign": campaign.public_id,
        "counter": counter.code,
        "task": task.public_id,
        "lead": lead.public_id,
        "test_ride": test_ride.public_id,
        "payout": payout.public_id,
        "batch": batch.public_id,
        "offer": offer.public_id,
        "product": goods.public_id,
        "po": po.public_id,
        "store": store.public_id,
        "till_sale": till_sale.order.public_id,
    }
    return SimpleNamespace(people=people, ids=ids)


def _paid(order):
    from omniretail.payments.models import PaymentIntent

    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the module's set-up never commits
        payments.start_payment(intent=intent)
    order.refresh_from_db()
    return order


def _client(world, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.people[who])
    return client


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_person_gets_the_status_the_rule_says(name, world, db):
    cell = MATRIX[name]
    url = reverse(f"web:{name}", args=[world.ids.get(a, a) for a in cell["args"]])
    data = {k: world.ids.get(v, v) for k, v in cell["data"].items()}
    got = {}
    for who in WHO:
        response = getattr(_client(world, who), cell["method"])(url, data)
        got[who] = response.status_code
        if response.status_code == 302 and cell["expected"][who] == LOGIN and who == "anonymous":
            assert response.url.startswith(reverse("web:login")), (name, response.url)
    assert got == cell["expected"], name


def test_a_refused_role_sees_the_error_page_and_no_menu_entry_for_it(world, db):
    staff, owner = _client(world, R.STAFF), _client(world, R.OWNER)

    refused = staff.get(reverse("web:m_loyalty"))
    staff_menu = staff.get(reverse("web:m_dashboard")).text
    owner_menu = owner.get(reverse("web:m_dashboard")).text

    assert refused.status_code == 403
    assert 'data-testid="error"' in refused.text and "所有者和经理" in refused.text
    for entry in ('data-testid="nav-loyalty"', 'data-testid="nav-referrals"'):
        assert entry not in staff_menu
        assert entry in owner_menu
    assert 'data-testid="nav-groupbuy"' in staff_menu
