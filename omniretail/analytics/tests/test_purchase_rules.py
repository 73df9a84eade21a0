"""Purchase rules of rule segments: "bought <category> within N days" and "did not buy it",
counted from the merchant's paid order lines in any channel (a category's subcategories
included), a fully refunded order or fully returned line not counting; combined with the
other rules by AND; an unknown category or days out of 1–3650 refused in Chinese."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from omniretail.analytics import members as insight
from omniretail.analytics.models import RuleSegment
from omniretail.analytics.tests.conftest import make_member
from omniretail.catalog.models import Category, Product, Sku
from omniretail.core.errors import ValidationFailed
from omniretail.inventory.services import location_for_store
from omniretail.orders.models import Order, OrderLine

_seq = iter(range(1, 10_000))


def make_sku(owner, category, name, price="50.00"):
    product = Product.objects.create(
        owner=owner, category=category, name=name, status=Product.Status.APPROVED
    )
    return Sku.objects.create(
        product=product, code=f"P{next(_seq):06d}", name="标准装", price=Decimal(price)
    )


def buy(store, member, sku, days_ago, fulfilment=Order.Fulfilment.PICKUP, refunded="0", **line):
    """A paid order of `member` at `store`, `days_ago` days ago, with one line of `sku`."""
    order = Order.objects.create(
        number=f"B{next(_seq):08d}",
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        shopper=member.user,
        fulfilment=fulfilment,
        status=Order.Status.PAID,
        subtotal=sku.price,
        total=sku.price,
        amount_refunded=Decimal(refunded),
        paid_at=timezone.now() - timedelta(days=days_ago),
    )
    OrderLine.objects.create(
        order=order,
        sku=sku,
        product_name=sku.product.name,
        sku_name=sku.name,
        unit_price=sku.price,
        quantity=1,
        line_total=sku.price,
        **line,
    )
    return order


@pytest.fixture
def tea_buyers(store, foreign_store):
    m = store.merchant
    tea = Category.objects.create(name="茶", slug="tea")
    green = Category.objects.create(name="绿茶", slug="green-tea", parent=tea)
    snacks = Category.objects.create(name="零食", slug="snacks")
    longjing = make_sku(m, green, "西湖龙井")
    puer = make_sku(m, tea, "普洱茶饼")
    nuts = make_sku(m, snacks, "每日坚果")
    p = {
        name: make_member(m, f"1370000010{i}", name)
        for i, name in enumerate(["老茶客", "新茶客", "零食控", "退货者", "他店客"])
    }
    buy(store, p["老茶客"], longjing, 45, fulfilment=Order.Fulfilment.DELIVERY)  # subcategory
    buy(store, p["新茶客"], puer, 45, fulfilment=Order.Fulfilment.IN_STORE)  # the till
    buy(store, p["新茶客"], puer, 10, fulfilment=Order.Fulfilment.COUNTER)
    buy(store, p["零食控"], nuts, 20)
    buy(store, p["退货者"], puer, 40, refunded="50.00")  # fully refunded order
    buy(store, p["退货者"], longjing, 50, quantity_returned=1)  # the line fully returned
    # tea of another merchant does not count for this one
    buy(foreign_store, p["他店客"], make_sku(foreign_store.merchant, tea, "他店红茶"), 45)
    return p


def _names(merchant, rules):
    cleaned = insight.segment_rules.clean(merchant, rules)
    return sorted(m.name for m in insight.segment_rules.members_matching(merchant, cleaned))


BOUGHT_90 = {"field": "bought_category", "category": "tea", "days": 90}
NOT_30 = {"field": "not_bought_category", "category": "tea", "days": "30"}


def test_bought_within_but_not_lately_selects_the_lapsed_tea_buyers(store, tea_buyers):
    m = store.merchant
    assert _names(m, [BOUGHT_90]) == ["新茶客", "老茶客"]
    assert _names(m, [NOT_30]) == ["他店客", "老茶客", "退货者", "零食控"]
    assert _names(m, [BOUGHT_90, NOT_30]) == ["老茶客"]
    assert _names(m, [{**BOUGHT_90, "days": 30}]) == ["新茶客"]
    assert _names(m, [{**BOUGHT_90, "category": "green-tea"}]) == ["老茶客"]
    assert _names(m, [{**BOUGHT_90, "category": "snacks"}]) == ["零食控"]
    # AND with the other rules
    recent = {"field": "visited_within", "days": 30}
    assert _names(m, [BOUGHT_90, recent]) == ["新茶客"]
    assert _names(m, [NOT_30, recent]) == ["零食控"]
    assert insight.preview_rules(m, [BOUGHT_90, NOT_30])["members"] == 1


def test_a_purchase_segment_is_listed_in_words(store, tea_buyers, merchant_staff):
    segment = insight.define_segment(
        merchant=store.merchant, name="茶叶回流", rules=[BOUGHT_90, NOT_30], actor=merchant_staff
    )
    [row] = insight.rule_segments(store.merchant)
    assert row["rules"] == ["近 90 天内买过「茶」", "近 30 天内没买过「茶」"]
    assert row["members"] == 1
    assert [r.member.name for r in insight.segment_members(store.merchant, segment.key)] == [
        "老茶客"
    ]


def test_an_unknown_category_or_days_out_of_range_is_refused(store, tea_buyers, merchant_staff):
    Category.objects.create(name="停用分类", slug="retired", is_active=False)
    bad = [
        {"field": "bought_category", "category": "coffee", "days": 30},
        {"field": "not_bought_category", "category": "retired", "days": 30},
        {"field": "bought_category", "category": "tea", "days": 0},
        {"field": "not_bought_category", "category": "tea", "days": 3651},
        {"field": "bought_category", "category": "tea", "days": "九十"},
        {"field": "bought_category", "category": "", "days": 30},
    ]
    with pytest.raises(ValidationFailed) as refused:
        insight.define_segment(
            merchant=store.merchant, name="错误规则", rules=bad, actor=merchant_staff
        )
    assert refused.value.status == 422
    assert refused.value.fields["rules"] == [
        "没有这个商品分类：coffee。",
        "没有这个商品分类：retired。",
        "天数须为 1 到 3650 的整数。",
        "天数须为 1 到 3650 的整数。",
        "天数须为 1 到 3650 的整数。",
        "请选择商品分类。",
    ]
    assert not RuleSegment.objects.exists()


def test_the_define_form_refuses_a_category_without_days_on_the_page(
    client, store, tea_buyers, merchant_staff
):
    client.force_login(merchant_staff)
    url = reverse("web:m_analytics_segments_define")
    page = client.post(
        url,
        {
            "name": "茶叶回流",
            "action": "save",
            "bought_category": "tea",
            "not_bought_category_days": "30",
        },
    )
    assert page.status_code == 422
    assert "天数须为 1 到 3650 的整数。" in page.text and "请选择商品分类。" in page.text
    assert not RuleSegment.objects.exists()
    preview = client.post(
        url,
        {"action": "preview", "bought_category": "tea", "bought_category_days": "90"},
    )
    assert "符合条件的会员：2 人" in preview.text
