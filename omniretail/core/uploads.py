"""The one path by which a file a user sends becomes a platform file. Pillow opens it (JPEG,
PNG or WebP only), the byte and pixel limits hold, the pixels are re-encoded (EXIF with the
camera's location, and anything hidden after the image, are gone) and the result is stored
through the default storage (local disk or S3) under an opaque name (`save_images`: the
content's hash, with WebP copies at WIDTHS for `srcset`). Rows keep that name, never a URL:
a page asks `photo_url(name)` for the link, which only such a name gets, so no
shopper-supplied address ever reaches another user's browser."""

import base64
import hashlib
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from omniretail.core.errors import field_error
from omniretail.core.ids import new_public_id

FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
MAX_PHOTOS = 6
# A stored original, or one of its responsive copies (`<folder>/<id>-<width>.webp`).
STORED_NAME = re.compile(r"^[a-z][a-z-]{0,30}/[0-9a-z]{26}(\.(jpg|png|webp)|-[0-9]{1,4}\.webp)$")
# Widths of the WebP copies made for `srcset`: a phone card, a phone page, a wide screen.
WIDTHS = (160, 480, 960)


def is_stored_photo(name) -> bool:
    """A name this module gave out (folder/ULID.ext), not a URL or a path of the caller's."""
    return isinstance(name, str) and STORED_NAME.match(name) is not None


def photo_url(name) -> str | None:
    """The platform's link to a stored photo; None for anything else (an old row's URL)."""
    return default_storage.url(name) if is_stored_photo(name) else None


def photo_files(request: HttpRequest, field: str = "photos") -> list[UploadedFile]:
    """The files sent under `field`; a text value there (a link instead of a file) is refused
    rather than silently dropped."""
    if any(value.strip() for value in request.POST.getlist(field)):
        raise field_error(field, _("照片请以图片文件上传，不接受链接。"))
    return request.FILES.getlist(field)


def _reencoded(upload: UploadedFile, field: str) -> tuple[bytes, str]:
    limit_mb = settings.OMNI_UPLOAD_MAX_BYTES // (1024 * 1024)
    if upload.size is None or upload.size > settings.OMNI_UPLOAD_MAX_BYTES:
        raise field_error(field, _("每张照片不能超过 %(mb)s MB。") % {"mb": limit_mb})
    refused = field_error(
        field, _("「%(name)s」不是 JPG、PNG 或 WebP 图片。") % {"name": upload.name}
    )
    too_many_pixels = field_error(
        field,
        _("照片像素过多（最多 %(mp)s 百万像素）。")
        % {"mp": settings.OMNI_UPLOAD_MAX_PIXELS // 1_000_000},
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(upload)
            if image.format not in FORMATS:
                raise refused
            if image.width * image.height > settings.OMNI_UPLOAD_MAX_PIXELS:
                raise too_many_pixels
            image.load()
            fmt = image.format
            image = ImageOps.exif_transpose(image)  # keep it upright once EXIF is gone
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise refused from None
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    elif fmt == "PNG" and image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.info = {}  # nothing of the original's metadata is written back
    image.save(out, fmt, **({"quality": 85} if fmt != "PNG" else {"optimize": True}))
    return out.getvalue(), FORMATS[fmt]


def _cleaned(files, field: str) -> list[tuple[bytes, str]]:
    """Every file checked and re-encoded before any is stored."""
    files = list(files)
    if len(files) > MAX_PHOTOS:
        raise field_error(field, _("最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS})
    return [_reencoded(upload, field) for upload in files]


@dataclass(frozen=True)
class StoredImage:
    """An original stored under its content hash, with the size its copies derive from."""

    name: str
    width: int
    height: int

    @property
    def widths(self) -> list[int]:
        return variant_widths(self.width)


def variant_widths(width: int) -> list[int]:
    """The WebP copies an image of this width has: each of WIDTHS it is wider than, and
    itself when narrower than the largest (never enlarged)."""
    return sorted({min(w, width) for w in WIDTHS})


def variant_name(name: str, width: int) -> str:
    return f"{name.rsplit('.', 1)[0]}-{width}.webp"


def _content_name(folder: str, data: bytes, suffix: str) -> str:
    """26 base32 characters of the SHA-256: the same picture uploaded twice is one file,
    and a name is never reused for other bytes (cached for good)."""
    digest = base64.b32encode(hashlib.sha256(data).digest()).decode().lower()[:26]
    return f"{folder}/{digest}{suffix}"


def _copies(image: Image.Image, widths: list[int]) -> Iterator[tuple[int, bytes]]:
    """The WebP copy at each width, widest first, each resized from the one before it (a
    12-megapixel photo is reduced once, not three times)."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    for width in sorted(widths, reverse=True):
        if width < image.width:
            height = max(1, round(image.height * width / image.width))
            image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        image.save(out, "WEBP", quality=80, method=4)
        yield width, out.getvalue()


def _store_once(name: str, data: bytes) -> bool:
    """Store under exactly `name`; False when that content is already there."""
    if default_storage.exists(name):
        return False
    stored = default_storage.save(name, ContentFile(data))
    if stored != name:  # a racing upload of the same picture: keep the first
        default_storage.delete(stored)
        return False
    return True


def save_images(files, *, folder: str, field: str = "photos") -> list[tuple[StoredImage, bool]]:
    """Check every file first, then store each re-encoded original under its content hash
    with its WebP copies (WIDTHS). Returns each image and whether this call created it (so a
    refusal removes only what it added)."""
    out = []
    for data, suffix in _cleaned(files, field):
        name = _content_name(folder, data, suffix)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            stored = StoredImage(name=name, width=image.width, height=image.height)
            created = not default_storage.exists(name)
            if created:
                for width, copy in _copies(image, stored.widths):
                    _store_once(variant_name(name, width), copy)
                # the original last: one on disk always has its copies beside it
                created = _store_once(name, data)
        out.append((stored, created))
    return out


def delete_image(image: StoredImage) -> None:
    """Remove an original and its copies (the caller knows no row still shows it)."""
    if not is_stored_photo(image.name):
        return
    for width in image.widths:
        default_storage.delete(variant_name(image.name, width))
    default_storage.delete(image.name)


@contextmanager
def saved_images(files, *, folder: str, field: str = "photos") -> Iterator[list[StoredImage]]:
    """`save_images` for a service call inside the block: what this call added is removed
    again when the call is refused."""
    saved = save_images(files, folder=folder, field=field)
    try:
        yield [image for image, _created in saved]
    except BaseException:
        for image, created in saved:
            if created:
                delete_image(image)
        raise


def save_photos(files, *, folder: str, field: str = "photos") -> list[str]:
    """Check every file first, then store them all: a refused file stores nothing. Returns
    the stored names, in the order given."""
    return [
        default_storage.save(f"{folder}/{new_public_id()}{suffix}", ContentFile(data))
        for data, suffix in _cleaned(files, field)
    ]


@contextmanager
def saved_photos(files, *, folder: str, field: str = "photos") -> Iterator[list[str]]:
    """`save_photos` for a service call inside the block: the files are removed again when
    the call is refused, so a refusal leaves nothing behind."""
    names = save_photos(files, folder=folder, field=field)
    try:
        yield names
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise


def digests(files) -> list[str]:
    """SHA-256 of each file, for an idempotency key's fingerprint of a multipart request."""
    out = []
    for upload in files:
        sha = hashlib.sha256()
        for chunk in upload.chunks():
            sha.update(chunk)
        upload.seek(0)
        out.append(sha.hexdigest())
    return out


def stored_photos(names, *, field: str = "photos") -> list[str]:
    """What a service accepts as photos: names `save_photos` gave out, at most MAX_PHOTOS."""
    names = list(names or [])
    if len(names) > MAX_PHOTOS:
        raise field_error(field, _("最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS})
    if not all(is_stored_photo(name) for name in names):
        raise field_error(field, _("照片请以图片文件上传，不接受链接。"))
    return names
