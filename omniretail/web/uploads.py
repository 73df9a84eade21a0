"""Photos shoppers attach (after-sales, repair drop-offs): checked for type and size, stored
under MEDIA_ROOT with an opaque name; the caller keeps their URLs."""

from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils.translation import gettext as _

from omniretail.core.errors import field_error
from omniretail.core.ids import new_public_id

PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def save_photos(request: HttpRequest, *, folder: str) -> list[str]:
    urls = []
    for upload in request.FILES.getlist("photos"):
        suffix = PHOTO_TYPES.get(upload.content_type)
        if suffix is None:
            raise field_error("photos", _("只能上传 JPG、PNG 或 WebP 图片。"))
        if upload.size > MAX_PHOTO_BYTES:
            raise field_error("photos", _("每张照片不能超过 5 MB。"))
        name = default_storage.save(f"{folder}/{new_public_id()}{suffix}", upload)
        urls.append(default_storage.url(name))
    return urls
