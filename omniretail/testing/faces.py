"""Photos for the face check: a real portrait (data/README.md), and real JPEG bytes made with
Pillow that hold no face, two faces, or another face."""

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

PORTRAIT = (Path(__file__).parent / "data" / "grace_hopper.jpg").read_bytes()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def shelf() -> bytes:
    """A photo of goods on a shelf: real JPEG bytes without a face."""
    image = Image.new("RGB", (640, 480), (238, 232, 220))
    draw = ImageDraw.Draw(image)
    for row in range(3):
        for col in range(5):
            x, y = 30 + col * 120, 40 + row * 150
            draw.rectangle((x, y, x + 90, y + 120), fill=(40 + 40 * col, 120, 200 - 50 * row))
    return _jpeg(image)


def two_people() -> bytes:
    one = Image.open(io.BytesIO(PORTRAIT)).convert("RGB")
    pair = Image.new("RGB", (one.width * 2, one.height), "white")
    pair.paste(one, (0, 0))
    pair.paste(ImageOps.mirror(one), (one.width, 0))
    return _jpeg(pair)


def someone_else() -> bytes:
    return _jpeg(ImageOps.mirror(Image.open(io.BytesIO(PORTRAIT)).convert("RGB")))


def not_an_image() -> bytes:
    return b"\xff\xd8 not a jpeg"
