"""Generated media for the demo's EV counters, drawn with Pillow and stored through
core.uploads like any upload: a 360° spin of an e-bike (a wire model turned about its
vertical axis, one frame per step), a banner for the screen and a portrait ad creative."""

import io
import math
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from omniretail.catalog.demo_photos import FONT_PATHS
from omniretail.core import uploads

FRAMES = 24
SPIN_SIZE = 720
RED = (228, 57, 60)
INK = (40, 44, 52)


@cache
def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return None  # no CJK font on this machine: the text is left out, never drawn as boxes


def _stored(image: Image.Image, folder: str, name: str) -> str:
    out = io.BytesIO()
    image.save(out, "PNG")
    upload = SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
    ((stored, _created),) = uploads.save_images([upload], folder=folder, field="media")
    return uploads.photo_url(stored.name)


def _bike_segments() -> list[tuple[tuple, tuple, tuple]]:
    """The e-bike as 3D segments (x along the bike, y up, z across): wheels, frame,
    battery, seat and handlebar, each with its colour."""
    segments = []
    for cx in (-0.55, 0.55):  # two wheels of radius 0.32 with six spokes
        ring = [(cx + 0.32 * math.cos(t), 0.32 * math.sin(t), 0.0) for t in _steps(36)]
        segments += [(a, b, INK) for a, b in zip(ring, ring[1:] + ring[:1], strict=True)]
        segments += [((cx, 0.0, 0.0), p, (150, 150, 150)) for p in ring[::6]]
    frame = [((-0.55, 0, 0), (-0.05, 0.05, 0)), ((-0.05, 0.05, 0), (0.45, 0.55, 0))]
    frame += [((-0.55, 0, 0), (-0.25, 0.5, 0)), ((-0.25, 0.5, 0), (-0.05, 0.05, 0))]
    frame += [((0.45, 0.55, 0), (0.55, 0, 0)), ((-0.25, 0.5, 0), (0.4, 0.45, 0))]
    segments += [(a, b, RED) for a, b in frame]
    battery = [(-0.2, 0.15, -0.06), (0.25, 0.4, -0.06), (0.25, 0.4, 0.06), (-0.2, 0.15, 0.06)]
    segments += [
        (a, b, (30, 120, 200)) for a, b in zip(battery, battery[1:] + battery[:1], strict=True)
    ]
    segments += [((-0.35, 0.62, -0.08), (-0.15, 0.62, 0.08), INK)]  # seat
    segments += [((-0.25, 0.5, 0), (-0.25, 0.62, 0), INK)]
    segments += [((0.45, 0.55, 0), (0.42, 0.75, 0), INK)]  # stem and handlebar
    segments += [((0.42, 0.75, -0.28), (0.42, 0.75, 0.28), INK)]
    return segments


def _steps(n: int) -> list[float]:
    return [2 * math.pi * i / n for i in range(n)]


def spin_frame(angle: float, size: int = SPIN_SIZE) -> Image.Image:
    """The bike turned by `angle` (radians) about its vertical axis, drawn with depth
    shading (the far side lighter), on a soft studio background."""
    image = Image.new("RGB", (size, size), (244, 245, 248))
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.15, size * 0.78, size * 0.85, size * 0.86), fill=(225, 227, 232))
    cos, sin = math.cos(angle), math.sin(angle)
    scale, mid = size * 0.55, size / 2

    def project(p):
        x, y, z = p
        return mid + (x * cos + z * sin) * scale, size * 0.72 - y * scale, -x * sin + z * cos

    drawn = []
    for a, b, colour in _bike_segments():
        (x1, y1, z1), (x2, y2, z2) = project(a), project(b)
        drawn.append(((z1 + z2) / 2, (x1, y1, x2, y2), colour))
    for depth, line, colour in sorted(drawn, key=lambda d: -d[0]):  # far side first
        fade = max(0.0, min(0.6, depth * 0.8))
        shaded = tuple(int(c + (244 - c) * fade) for c in colour)
        draw.line(line, fill=shaded, width=max(3, size // 120))
    return image


def spin_frames(*, prefix: str, count: int = FRAMES) -> list[str]:
    """Store the frames of one full turn; returns their URLs in turning order."""
    return [
        _stored(spin_frame(angle), "spins", f"{prefix}-{i:02d}.png")
        for i, angle in enumerate(_steps(count))
    ]


def banner(*, title: str, subtitle: str) -> str:
    image = Image.new("RGB", (1080, 608), (255, 244, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1080, 18), fill=RED)
    image.paste(spin_frame(math.radians(35), 560), (500, 40))
    if (big := _font(72)) is not None:
        draw.text((60, 170), title, font=big, fill=INK)
        draw.text((60, 280), subtitle, font=_font(40), fill=RED)
    return _stored(image, "counters", "banner.png")


def ad_creative(
    *, title: str, lines: list[str], hue: tuple[int, int, int] = RED
) -> SimpleUploadedFile:
    """A portrait (1080 × 1920) creative for the idle loop, as the file an operator uploads."""
    image = Image.new("RGB", (1080, 1920), hue)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((60, 560, 1020, 1520), radius=48, fill=(255, 255, 255))
    image.paste(spin_frame(math.radians(20), 900), (90, 590))
    if (big := _font(110)) is not None:
        draw.text((80, 160), title, font=big, fill=(255, 255, 255))
        for i, line in enumerate(lines):
            draw.text((80, 1600 + i * 80), line, font=_font(56), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile("ad.png", out.getvalue(), content_type="image/png")
