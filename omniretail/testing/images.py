"""Real image files for upload tests (Pillow's own JPEG, PNG and WebP, with EXIF)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def photo(fmt="JPEG", name="broken.jpg", *, size=(64, 48), gps=True) -> SimpleUploadedFile:
    """A small real photo, carrying the camera's make and, when asked, where it was taken."""
    image = Image.new("RGB", size, (200, 30, 40))
    exif = Image.Exif()
    exif[0x010F] = "Omni Camera"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 9.0, 0.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type=CONTENT_TYPES[fmt])


def stored_exif(name: str):
    """The EXIF of a stored photo (empty when stripped) and its format and size."""
    from django.core.files.storage import default_storage

    with default_storage.open(name) as stored:
        image = Image.open(stored)
        return image.getexif(), image.format, image.size
