"""Demo data for specs and free samples: a few products with real specs (a home-wear set in
颜色 × 尺码, an e-bike helmet in 颜色 × 尺码, a cold-brew oolong in 容量), each combination
with its own price, code, photo and stock at 湖滨优选's stores (some sold out), and a free
sample of the oolong running now."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.catalog import demo_photos, media, specs
from omniretail.catalog import services as catalog
from omniretail.catalog.models import Category, Sku
from omniretail.core import uploads
from omniretail.inventory import services as inventory
from omniretail.merchandising import samples

MERCHANT = "hubin"
# (owner: a producer code or "merchant", category slug, name, subtitle, axes, prices by
# the first axis's value, units per store by combination name (missing: sold out))
PRODUCTS = [
    (
        "merchant",
        "home-wear",
        "纯棉家居服套装",
        "A类纯棉 · 亲肤透气",
        [("颜色", ["燕麦白", "雾霾蓝"]), ("尺码", ["M", "L", "XL"])],
        {"燕麦白": "129.00", "雾霾蓝": "139.00"},
        {"燕麦白 / M": 6, "燕麦白 / L": 4, "雾霾蓝 / M": 3, "雾霾蓝 / XL": 2},
    ),
    (
        "merchant",
        "e-bikes",
        "新国标电动车头盔",
        "3C认证 · 四季通用",
        [("颜色", ["哑光黑", "珍珠白"]), ("尺码", ["M", "L"])],
        {"哑光黑": "129.00", "珍珠白": "129.00"},
        {"哑光黑 / M": 5, "哑光黑 / L": 5, "珍珠白 / M": 2},
    ),
    (
        "longjing",
        "green-tea",
        "冷泡乌龙茶饮",
        "无糖 · 0 脂",
        [("容量", ["330ml", "500ml", "1.5L"])],
        {"330ml": "4.50", "500ml": "6.00", "1.5L": "13.90"},
        {"330ml": 40, "500ml": 24, "1.5L": 8},
    ),
]
SAMPLE = ("冷泡乌龙茶饮", "330ml", 30)  # (product, combination, units given away)


def _photo(actor, product, sku, category: str) -> None:
    """The combination's own picture, drawn like the catalogue's (its name on the label)."""
    data = demo_photos.product_photo(
        name=f"{product.name} {sku.name}", subtitle=sku.name, category=category
    )
    upload = SimpleUploadedFile(f"{sku.public_id}.jpg", data, content_type="image/jpeg")
    with uploads.saved_images([upload], folder="products") as images:
        media.add_images(actor=actor, product=product, images=images, sku=sku)


def _category(city, slug: str) -> Category:
    found = Category.objects.filter(slug=slug).first()
    if found is not None:
        return found
    home = Category.objects.get(slug="home")
    return catalog.create_category(
        actor=city.admin, name="家居服饰", slug=slug, parent=home, name_en="Home wear"
    )


def load(city) -> list[str]:
    merchant, owner = city.merchants[MERCHANT]
    locations = [inventory.location_for_store(s) for s in merchant.stores.order_by("id")[:2]]
    made = {}
    for owner_kind, slug, name, subtitle, axes, prices, units in PRODUCTS:
        if owner_kind == "merchant":
            org, actor = merchant, owner
        else:
            org = city.producers[owner_kind]
            actor = User.objects.get(username=f"{owner_kind}-staff")
        category = _category(city, slug)
        first_name, first_values = axes[0]
        product = catalog.create_product(
            actor=actor,
            owner=org,
            category=category,
            name=name,
            subtitle=subtitle,
            description=f"{name}。{subtitle}。可选{'、'.join(a for a, _v in axes)}。",
            # the first combination, which set_specs adopts by its name
            skus=[
                {
                    "code": f"SPEC{len(made) + 1}-1",
                    "name": " / ".join(v[0] for _a, v in axes),
                    "price": prices[first_values[0]],
                }
            ],
        )
        skus = specs.set_specs(
            actor=actor,
            product=product,
            attributes=[{"name": a, "values": v} for a, v in axes],
            price=prices[first_values[0]],
            code_prefix=f"SPEC{len(made) + 1}",
        )
        demo_photos.attach(actor=actor, product=product, category=slug)
        for sku in skus:
            price = prices[sku.attributes[first_name]]
            if str(sku.price) != price:
                specs.update_sku(actor=actor, sku=sku, price=price)
            if owner_kind == "merchant":
                _photo(actor, product, sku, slug)
            for location in locations:
                if units.get(sku.name):
                    inventory.receive_stock(
                        actor=owner, location=location, sku=sku, quantity=units[sku.name]
                    )
        catalog.submit_product(actor=actor, product=product)
        catalog.review_product(actor=city.admin, product=product, approve=True)
        city.products.append(product)
        made[name] = (product, {s.name: s for s in skus}, actor)
    product, skus, actor = made[SAMPLE[0]]
    now = timezone.now()
    samples.create_offer(
        actor=actor,
        sku=Sku.objects.select_related("product").get(pk=skus[SAMPLE[1]].pk),  # approved now
        stock=SAMPLE[2],
        per_member_limit=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=14),
    )
    return [
        f"Specs: {', '.join(made)} have 颜色/尺码/容量 pickers (some combinations sold out); "
        f"edit them at /catalogue/<id>/specs/.",
        f"Free sample: {SAMPLE[0]} {SAMPLE[1]}, {SAMPLE[2]} units, 1 per member "
        f"(/producer/samples/ for longjing-staff).",
    ]
