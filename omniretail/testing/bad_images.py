"""Files an upload must refuse: a pixel bomb that is a few hundred bytes on the wire, a
file over the byte limit, an SVG carrying a script."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def pixel_bomb(width: int = 20_000, height: int = 20_000) -> SimpleUploadedFile:
    """A real PNG whose header claims width × height pixels (decoding it would take GBs)."""
    out = io.BytesIO()
    Image.new("1", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = data[12:29]  # b"IHDR" + 13 bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return SimpleUploadedFile("bomb.png", bytes(data), content_type="image/png")


def oversized(megabytes: int = 50) -> SimpleUploadedFile:
    """A real JPEG header followed by padding up to `megabytes`."""
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 60)).save(out, "JPEG")
    data = out.getvalue()
    data += b"\0" * (megabytes * 1024 * 1024 - len(data))
    return SimpleUploadedFile("big.jpg", data, content_type="image/jpeg")


def svg_with_script(name: str = "logo.svg") -> SimpleUploadedFile:
    body = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
    return SimpleUploadedFile(name, body, content_type="image/svg+xml")


def not_an_image(name: str = "../../etc/passwd.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"root:x:0:0:root:/root:/bin/bash\n", content_type="image/jpeg")
