"""Specs (规格): axes whose combinations become SKUs; bad input changes nothing."""

import pytest

from omniretail.catalog import specs
from omniretail.catalog.models import Sku, SpecAttribute
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

GARMENT = [
    {"name": "颜色", "values": ["米白", "藏青"]},
    {"name": "尺码", "values": ["S", "M", "L"]},
]


@pytest.fixture
def tee(make_product, producer, producer_staff):
    return make_product(producer_staff, producer, name="纯棉圆领T恤", category="beauty")


def test_each_combination_becomes_a_sku_and_the_first_sku_is_switched_off(tee, producer_staff):
    skus = specs.set_specs(
        actor=producer_staff, product=tee, attributes=GARMENT, price="79.00", code_prefix="TEE"
    )
    assert [s.attributes for s in skus][:2] == [
        {"颜色": "米白", "尺码": "S"},
        {"颜色": "米白", "尺码": "M"},
    ]
    assert [s.code for s in skus] == [f"TEE-{n}" for n in range(1, 7)]
    assert skus[-1].name == "藏青 / L"
    assert tee.skus.filter(is_active=True).count() == 6
    assert not tee.skus.get(name="单件").is_active  # outside the matrix: kept for history
    tee.refresh_from_db()
    assert str(tee.price) == "79.00"
    m = specs.matrix(tee)
    assert [(a.name, a.values) for a in m.axes] == [
        ("颜色", ["米白", "藏青"]),
        ("尺码", ["S", "M", "L"]),
    ]
    assert len(m.combinations) == 6


def test_a_new_value_adds_its_skus_and_keeps_the_prices_already_set(tee, producer_staff):
    skus = specs.set_specs(actor=producer_staff, product=tee, attributes=GARMENT, price="79")
    specs.update_sku(actor=producer_staff, sku=skus[0], price="69.00", code="TEE-WHITE-S")
    more = [GARMENT[0], {"name": "尺码", "values": ["S", "M", "L", "XL"]}]
    again = specs.set_specs(actor=producer_staff, product=tee, attributes=more, price="89")
    assert len(again) == 8
    assert again[0].pk == skus[0].pk
    white_s = Sku.objects.get(pk=skus[0].pk)
    assert (white_s.code, str(white_s.price)) == ("TEE-WHITE-S", "69.00")
    assert str(Sku.objects.get(product=tee, name="藏青 / XL").price) == "89.00"
    tee.refresh_from_db()
    assert str(tee.price) == "69.00"


def test_removing_a_value_switches_its_skus_off(tee, producer_staff):
    specs.set_specs(actor=producer_staff, product=tee, attributes=GARMENT, price="79")
    fewer = [{"name": "颜色", "values": ["米白"]}, GARMENT[1]]
    specs.set_specs(actor=producer_staff, product=tee, attributes=fewer)
    assert tee.skus.filter(is_active=True).count() == 3
    assert not tee.skus.get(name="藏青 / M").is_active


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ([{"name": "颜色", "values": ["米白", " 米 白 "]}], "attributes.0.values.1"),
        (
            [{"name": "颜色", "values": ["红"]}, {"name": "颜色", "values": ["S"]}],
            "attributes.1.name",
        ),
        ([{"name": "颜色", "values": []}], "attributes.0.values"),
        ([], "attributes"),
        (
            [{"name": "a", "values": [str(i) for i in range(8)]}] * 1
            + [{"name": "b", "values": [str(i) for i in range(8)]}],
            "attributes",
        ),
    ],
)
def test_bad_axes_are_refused_on_their_field_and_change_nothing(
    tee, producer_staff, attributes, field
):
    with pytest.raises(ValidationFailed) as exc:
        specs.set_specs(actor=producer_staff, product=tee, attributes=attributes, price="79")
    assert field in exc.value.fields
    assert not SpecAttribute.objects.filter(product=tee).exists()
    assert list(tee.skus.values_list("name", "is_active")) == [("单件", True)]


def test_new_combinations_need_a_price(tee, producer_staff):
    with pytest.raises(ValidationFailed) as exc:
        specs.set_specs(actor=producer_staff, product=tee, attributes=GARMENT)
    assert "price" in exc.value.fields


def test_a_code_taken_by_another_sku_is_a_conflict(tee, producer_staff):
    skus = specs.set_specs(actor=producer_staff, product=tee, attributes=GARMENT, price="79")
    with pytest.raises(Conflict):
        specs.update_sku(actor=producer_staff, sku=skus[1], code=skus[0].code)
    assert Sku.objects.get(pk=skus[1].pk).code == skus[1].code


def test_another_organisation_may_not_set_specs(tee, merchant_staff):
    with pytest.raises(PermissionDenied):
        specs.set_specs(actor=merchant_staff, product=tee, attributes=GARMENT, price="79")


def test_the_api_sets_specs_and_the_picker_shows_price_and_stock(
    api_client, tee, producer_staff, merchant_staff, store_location
):
    from omniretail.inventory import services as inventory

    response = api_client(producer_staff).put(
        f"/api/catalog/manage/products/{tee.public_id}/specs",
        {"attributes": GARMENT, "price": "79.00", "code_prefix": "TEE"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["spec_attributes"] == GARMENT
    navy_m = Sku.objects.get(product=tee, name="藏青 / M")
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=navy_m, quantity=4)
    picker = api_client().get(f"/api/catalog/products/{tee.public_id}/specs").json()
    assert picker["attributes"] == GARMENT
    by_values = {tuple(s["values"]): s for s in picker["skus"]}
    assert len(by_values) == 6
    assert (by_values[("藏青", "M")]["stock"], by_values[("藏青", "M")]["price"]) == (4, "79.00")
    assert by_values[("米白", "S")]["stock"] == 0


def test_the_api_refuses_duplicate_values_with_422_and_writes_nothing(
    api_client, tee, producer_staff
):
    response = api_client(producer_staff).put(
        f"/api/catalog/manage/products/{tee.public_id}/specs",
        {"attributes": [{"name": "容量", "values": ["500ml", "500ML"]}], "price": "5"},
    )
    assert response.status_code == 422
    assert "attributes.0.values.1" in response.json()["error"]["fields"]
    assert tee.skus.count() == 1 and not SpecAttribute.objects.exists()


def test_a_sku_named_like_a_combination_becomes_it_and_keeps_its_code(
    make_product, producer, producer_staff
):
    drink = make_product(
        producer_staff,
        producer,
        name="冷泡乌龙茶",
        category="tea",
        skus=[{"code": "OOLONG-500", "name": "500ml", "price": "5.00"}],
    )
    skus = specs.set_specs(
        actor=producer_staff,
        product=drink,
        attributes=[{"name": "容量", "values": ["500ml", "1.5L"]}],
        price="12.00",
    )
    assert (skus[0].code, skus[0].attributes) == ("OOLONG-500", {"容量": "500ml"})
    assert drink.skus.count() == 2 and drink.skus.filter(is_active=False).count() == 0


def test_an_unknown_combination_is_404_and_another_owners_sku_too(
    api_client, tee, producer_staff, merchant_staff
):
    (sku,) = specs.set_specs(
        actor=producer_staff, product=tee, attributes=[{"name": "尺码", "values": ["M"]}], price="9"
    )
    assert (
        api_client(producer_staff)
        .patch("/api/catalog/manage/skus/nope", {"price": "1"})
        .status_code
        == 404
    )
    rival = api_client(merchant_staff).patch(
        f"/api/catalog/manage/skus/{sku.public_id}", {"price": "1"}
    )
    assert rival.status_code == 404
    mine = api_client(producer_staff).patch(
        f"/api/catalog/manage/skus/{sku.public_id}", {"price": "12.50", "code": "TEE-M"}
    )
    assert (mine.status_code, mine.json()["price"], mine.json()["code"]) == (200, "12.50", "TEE-M")
