"""Product photos for the demo city, drawn with Pillow at load time: the product (a simple
shape per category: a mask sachet, a bottle, a tea tin, a gift box, a jar, a detergent
bottle, an e-bike) on a soft background, with its name and pack size on the label in a CJK
font when the machine has one (Noto Sans CJK or WenQuanYi; without one the label stays
blank rather than showing boxes). The JPEG goes through core.uploads like any upload."""

import colorsys
import functools
import hashlib
import io
import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from omniretail.catalog import media
from omniretail.catalog.models import Product
from omniretail.core import uploads

SIZE = 640
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
PACK = re.compile(
    r"(\d+(?:\.\d+)?\s*(?:kg|g|ml|mL|L|片|颗|只|包|盒|袋|瓶|支|卷|抽|粒|块))|（(.+?)）"
)


@functools.cache
def _font_path() -> str | None:
    found = [p for p in FONT_PATHS if Path(p).exists()]
    if not found:
        found = sorted(
            str(p)
            for root in ("/usr/share/fonts",)
            for p in Path(root).rglob("*")
            if re.search(r"(?i)(cjk|wqy)", p.name) and p.suffix in (".ttc", ".otf", ".ttf")
        )
    return found[0] if found else None


@functools.cache
def _font(size: int):
    path = _font_path()
    return ImageFont.truetype(path, size) if path else None


def has_cjk_font() -> bool:
    return _font_path() is not None


def _hue(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) / 0xFFFF


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1, lightness, saturation)
    return int(r * 255), int(g * 255), int(b * 255)


def pack_size(name: str, subtitle: str = "") -> str:
    """「250g」, 「10片」 or the pack in brackets (「家庭装」) from the name or subtitle."""
    for text in (name, subtitle):
        if match := PACK.search(text):
            return match.group(1) or match.group(2)
    return ""


# --- the shapes: each draws the product and returns the label's box ---------------------


def _sachet(d, c, dark):
    d.rounded_rectangle((150, 110, 490, 560), radius=26, fill=c, outline=dark, width=4)
    d.rectangle((150, 110, 490, 140), fill=dark)
    d.ellipse((245, 170, 395, 300), fill=(255, 255, 255))  # the face of the mask
    for x in (285, 355):
        d.ellipse((x - 12, 220, x + 12, 236), fill=c)
    return (175, 330, 465, 530)


def _bottle(d, c, dark):
    d.rounded_rectangle((270, 80, 370, 150), radius=10, fill=dark)
    d.rounded_rectangle((200, 140, 440, 570), radius=50, fill=c, outline=dark, width=4)
    return (215, 260, 425, 500)


def _tin(d, c, dark):
    d.rectangle((170, 140, 470, 540), fill=c)
    d.ellipse((170, 100, 470, 180), fill=dark)
    d.ellipse((170, 500, 470, 580), fill=c)
    d.polygon([(300, 200), (360, 230), (320, 290), (280, 250)], fill=(90, 160, 70))  # a leaf
    return (190, 300, 450, 500)


def _box(d, c, dark):
    d.polygon([(120, 220), (320, 150), (520, 220), (320, 290)], fill=dark)
    d.polygon([(120, 220), (320, 290), (320, 560), (120, 490)], fill=c)
    d.polygon([(320, 290), (520, 220), (520, 490), (320, 560)], fill=_shade(c, 0.85))
    d.line([(220, 185), (420, 255)], fill=(230, 190, 60), width=14)  # the ribbon
    return (135, 320, 310, 480)


def _jar(d, c, dark):
    d.rounded_rectangle((230, 110, 410, 170), radius=12, fill=dark)
    d.rounded_rectangle((170, 160, 470, 570), radius=70, fill=c, outline=dark, width=4)
    for x, y in ((230, 200), (300, 215), (370, 200)):
        d.ellipse((x - 28, y - 18, x + 28, y + 18), fill=(150, 100, 55))  # nuts showing
    return (195, 280, 445, 500)


def _jug(d, c, dark):
    d.rounded_rectangle((360, 110, 420, 160), radius=8, fill=dark)
    d.rounded_rectangle((160, 150, 480, 570), radius=40, fill=c, outline=dark, width=4)
    d.rounded_rectangle((400, 190, 470, 330), radius=30, outline=dark, width=16)
    return (180, 300, 400, 520)


def _bike(d, c, dark):
    for x in (190, 470):
        d.ellipse((x - 95, 330, x + 95, 520), outline=(50, 50, 55), width=16)
    d.line([(190, 425), (300, 300), (420, 300), (470, 425)], fill=c, width=22)
    d.line([(300, 300), (330, 425), (190, 425)], fill=c, width=18)
    d.line([(420, 300), (410, 230), (450, 220)], fill=dark, width=14)
    d.rounded_rectangle((250, 270, 350, 295), radius=10, fill=dark)  # the saddle
    return (150, 80, 490, 200)


SHAPES = {
    "masks": _sachet,
    "skincare": _bottle,
    "green-tea": _tin,
    "black-tea": _box,
    "pastry": _box,
    "nuts": _jar,
    "cleaning": _jug,
    "e-bikes": _bike,
}


def _shade(c, factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(v * factor))) for v in c)


def _wrap(d, text: str, font, width: int) -> list[str]:
    """Break between characters, never inside a run of Latin letters and digits (250g)."""
    lines, line = [], ""
    for token in re.findall(r"[A-Za-z0-9.]+|.", text):
        if d.textlength(line + token, font=font) > width and line:
            lines.append(line)
            line = token.lstrip()
        else:
            line += token
    return [*lines, line] if line else lines


def _label(d, box, name: str, pack: str) -> None:
    x0, y0, x1, y1 = box
    d.rounded_rectangle(box, radius=14, fill=(255, 255, 255))
    if not has_cjk_font():
        return
    size = 30
    font = _font(size)
    lines = _wrap(d, name, font, x1 - x0 - 24)
    while len(lines) > 3 and size > 18:
        size -= 4
        font = _font(size)
        lines = _wrap(d, name, font, x1 - x0 - 24)
    y = y0 + 14
    for line in lines[:3]:
        d.text((x0 + 12, y), line, font=font, fill=(40, 40, 45))
        y += size + 8
    if pack:
        small = _font(24)
        right = x0 + 28 + d.textlength(pack, font=small)
        d.rounded_rectangle((x0 + 12, y1 - 48, right, y1 - 12), radius=8, fill=(228, 57, 60))
        d.text((x0 + 20, y1 - 30), pack, font=small, fill=(255, 255, 255), anchor="lm")


def product_photo(*, name: str, subtitle: str = "", category: str = "") -> bytes:
    """A 640 px square JPEG of the product, the same for the same name."""
    hue = _hue(name)
    image = Image.new("RGB", (SIZE, SIZE), _rgb(hue + 0.5, 0.94, 0.35))
    d = ImageDraw.Draw(image)
    d.rectangle((0, 470, SIZE, SIZE), fill=_rgb(hue + 0.5, 0.88, 0.25))  # the table top
    d.ellipse((130, 535, 510, 600), fill=_rgb(hue + 0.5, 0.78, 0.2))  # its shadow
    colour = _rgb(hue, 0.62, 0.55)
    box = SHAPES.get(category, _box)(d, colour, _shade(colour, 0.6))
    _label(d, box, name, pack_size(name, subtitle))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def attach(*, actor, product, category: str) -> None:
    """Draw the product's photo and store it as its cover, through the upload path."""
    data = product_photo(name=product.name, subtitle=product.subtitle, category=category)
    upload = SimpleUploadedFile(f"{product.public_id}.jpg", data, content_type="image/jpeg")
    with uploads.saved_images([upload], folder="products") as images:
        media.add_images(actor=actor, product=product, images=images)


def photograph_catalogue(*, actor) -> int:
    """A photo for every product that has none yet (the demo's own and its programmes'),
    drawn for its category; returns how many were taken."""
    products = Product.objects.filter(images__isnull=True).select_related("category")
    count = 0
    for product in products.order_by("pk"):
        attach(actor=actor, product=product, category=product.category.slug)
        count += 1
    return count
