"""A picture's `srcset` names each WebP copy by the URL the storage gives it (issue 22: the
copies' URLs are derived from the original's instead of asking the storage for each)."""

import re
from types import SimpleNamespace

from omniretail.core import uploads
from omniretail.web.templatetags.media_tags import responsive_img

PHOTO = SimpleNamespace(
    name="products/01m93d5769e982vq4k8hrk0jym.jpg", width=1200, height=900, alt="面膜"
)


def _srcset(html: str) -> list[str]:
    return [entry.split(" ")[0] for entry in re.search(r'srcset="([^"]+)"', html)[1].split(", ")]


def test_each_copy_is_linked_where_the_storage_serves_it(settings):
    settings.MEDIA_URL = "/media/"
    html = responsive_img(PHOTO)
    expected = [
        uploads.photo_url(uploads.variant_name(PHOTO.name, w))
        for w in uploads.variant_widths(PHOTO.width)
    ]
    assert _srcset(html) == expected
    assert expected[0] == "/media/products/01m93d5769e982vq4k8hrk0jym-160.webp"
    assert f'src="{uploads.photo_url(PHOTO.name)}"' in html


def test_a_signed_link_is_asked_for_each_copy(monkeypatch):
    """A private bucket signs each object's link: a copy's cannot be derived."""

    def signed(name):
        return f"https://bucket.example.cn/{name}?signature={len(name)}"

    monkeypatch.setattr(uploads, "default_storage", SimpleNamespace(url=signed))
    html = responsive_img(PHOTO)
    assert _srcset(html) == [
        signed(uploads.variant_name(PHOTO.name, w)).replace("&", "&amp;")
        for w in uploads.variant_widths(PHOTO.width)
    ]
