"""Demo data for the storefront's merchandising: a brand hall for each producer's brands
(logo and banner drawn with Pillow and stored through the upload path, a story, the goods
shown first), a 優品匯 zone (the platform's picks and one region's), home banners running
now, and the ranking and 猜你喜欢 tables computed from the demo's orders."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from omniretail.catalog import demo_photos
from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Brand, Category
from omniretail.core import uploads
from omniretail.merchandising import ranking, recommendations, services

STORIES = {
    "水润坊": ("一滴水的温柔", "从西湖边的一间小作坊开始，水润坊只做一件事：让皮肤喝饱水。"),
    "本草颜": ("草本养肤二十年", "本草颜以山茶花、积雪草入方，二十年坚持温和配方。"),
    "狮峰": ("狮峰山上的明前茶", "狮峰龙井生在狮峰山麓，每年清明前采摘一芽一叶。"),
    "梅家坞": ("梅家坞的茶农世家", "梅家坞茶村三代人守着一片茶园，手工炒制。"),
    "江南味道": ("江南的家常味道", "桂花藕粉、定胜糕，都是杭州人记忆里的味道。"),
    "知味观": ("百年老字号", "知味观创于 1913 年，“知味停车，闻香下马”。"),
}
BANNERS = [
    ("春季上新 · 美妆护肤", "/c/{beauty}/"),
    ("西湖龙井 明前新茶", "/brands/{tea_brand}/"),
    ("销售排行 · 大家都在买", "/ranking/"),
]


def _picture(text: str, size: tuple[int, int], *, round_logo: bool = False) -> SimpleUploadedFile:
    """A JPEG drawn from `text`: a two-tone card, the text on it when a CJK font exists."""
    hue = demo_photos._hue(text)
    image = Image.new("RGB", size, demo_photos._rgb(hue, 0.9, 0.45))
    d = ImageDraw.Draw(image)
    w, h = size
    if round_logo:
        d.ellipse((8, 8, w - 8, h - 8), fill=demo_photos._rgb(hue, 0.45, 0.6))
    else:
        d.polygon(
            [(w * 0.55, 0), (w, 0), (w, h), (w * 0.35, h)], fill=demo_photos._rgb(hue, 0.6, 0.5)
        )
    font = demo_photos._font(h // (3 if round_logo else 6))
    if font is not None:
        label = text[:2] if round_logo else text
        box = d.textbbox((0, 0), label, font=font)
        x = (w - (box[2] - box[0])) / 2 if round_logo else w * 0.06
        d.text((x, (h - (box[3] - box[1])) / 2 - box[1]), label, font=font, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile("demo.jpg", out.getvalue(), content_type="image/jpeg")


def _halls(admin) -> int:
    opened = 0
    for position, brand in enumerate(Brand.objects.order_by("pk")):
        goods = list(catalog.public_products().filter(brand=brand)[:3])
        if not goods:
            continue
        tagline, story = STORIES.get(brand.name, (brand.name, brand.story))
        with (
            uploads.saved_images(
                [_picture(brand.name, (240, 240), round_logo=True)], folder="brands"
            ) as logo,
            uploads.saved_images(
                [_picture(f"{brand.name} · {tagline}", (1200, 400))], folder="brands"
            ) as banner,
        ):
            services.edit_brand_hall(
                actor=admin,
                brand=brand,
                tagline=tagline,
                story=story,
                position=position,
                publish=True,
                logo=logo[0],
                banner=banner[0],
                goods=goods,
            )
        opened += 1
    return opened


def load(city) -> list[str]:
    admin, now = city.admin, timezone.now()
    halls = _halls(admin)
    picks = list(catalog.public_products(featured=True)[:6])
    for position, product in enumerate(picks):
        services.place_featured(
            actor=admin,
            curator=city.platform,
            product=product,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30),
            position=position,
        )
    region = next(iter(city.regions.values()))
    local = list(catalog.public_products().exclude(pk__in=[p.pk for p in picks])[:2])
    for position, product in enumerate(local):
        services.place_featured(
            actor=admin,
            curator=region,
            product=product,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30),
            position=position,
        )
    beauty = Category.objects.filter(parent=None, is_active=True).order_by("position").first()
    tea_brand = Brand.objects.filter(name="狮峰").values_list("public_id", flat=True).first()
    shown = 0
    for position, (title, link) in enumerate(BANNERS):
        link = link.format(beauty=beauty.slug, tea_brand=tea_brand)
        with uploads.saved_images([_picture(title, (1200, 480))], folder="banners") as stored:
            services.create_banner(
                actor=admin,
                title=title,
                image=stored[0],
                link=link,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=30),
                position=position,
            )
        shown += 1
    ranking.refresh()
    recommendations.refresh()
    return [
        f"营销 (merchandising): {halls} brand halls at /brands/, {len(picks)} platform and "
        f"{len(local)} {region.name} 優品匯 picks and {shown} home banners running for 30 days; "
        "consoles at /ops/banners/, /ops/featured/, /ops/brand-halls/ (admin; region staff "
        "for their region)",
    ]
