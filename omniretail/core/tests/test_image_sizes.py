"""Images stored once per content with WebP copies for `srcset` (core.uploads.save_images):
the sizes a page needs exist, nothing is enlarged, a second upload of the same picture is
the same file, and a refused batch stores nothing."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from omniretail.core import uploads
from omniretail.core.errors import ValidationFailed
from omniretail.testing.bad_images import not_an_image, oversized, pixel_bomb, svg_with_script
from omniretail.testing.images import photo, stored_exif


def all_files(folder="products") -> list[str]:
    if not default_storage.exists(folder):
        return []
    return sorted(default_storage.listdir(folder)[1])


def size_of(name):
    with default_storage.open(name) as f, Image.open(f) as image:
        return image.format, image.size


def test_a_photo_is_stored_with_webp_copies_at_each_width_and_no_exif():
    (saved,) = uploads.save_images([photo(size=(1200, 900))], folder="products")
    image, created = saved

    assert created and image.name.startswith("products/") and image.name.endswith(".jpg")
    assert (image.width, image.height) == (1200, 900)
    exif, fmt, size = stored_exif(image.name)
    assert fmt == "JPEG" and size == (1200, 900) and not exif
    for width in (160, 480, 960):
        copy = uploads.variant_name(image.name, width)
        assert uploads.photo_url(copy) == f"/media/{copy}"
        assert size_of(copy) == ("WEBP", (width, round(900 * width / 1200)))
    assert len(all_files()) == 4


def test_a_small_photo_is_never_enlarged():
    ((image, _created),) = uploads.save_images([photo(size=(300, 200))], folder="products")

    assert image.widths == [160, 300]
    assert size_of(uploads.variant_name(image.name, 300)) == ("WEBP", (300, 200))


def test_the_same_picture_twice_is_one_file_under_its_content_hash():
    ((first, created),) = uploads.save_images([photo(size=(500, 400))], folder="products")
    ((again, created_again),) = uploads.save_images([photo(size=(500, 400))], folder="products")

    assert created and not created_again
    assert first == again
    assert len(all_files()) == 4  # original and three copies, once


def test_a_client_name_with_dot_dots_never_reaches_the_storage_name():
    upload = photo(name="../../../etc/cron.d/x.jpg", size=(200, 100))
    ((image, _created),) = uploads.save_images([upload], folder="products")

    assert uploads.is_stored_photo(image.name) and ".." not in image.name


@pytest.mark.parametrize(
    "bad, message",
    [
        (not_an_image, "不是 JPG、PNG 或 WebP 图片"),
        (svg_with_script, "不是 JPG、PNG 或 WebP 图片"),
        (pixel_bomb, "像素过多"),
        (oversized, "不能超过 8 MB"),
    ],
)
def test_a_refused_file_stores_nothing_not_even_the_good_one_beside_it(bad, message):
    with pytest.raises(ValidationFailed) as refused:
        uploads.save_images([photo(size=(600, 400)), bad()], folder="products", field="photos")

    assert message in refused.value.fields["photos"][0]
    assert all_files() == []


def test_a_refused_call_removes_only_the_files_it_added():
    ((kept, _created),) = uploads.save_images([photo(size=(640, 480))], folder="products")
    other = io.BytesIO()
    Image.new("RGB", (400, 300), (0, 90, 200)).save(other, "PNG")
    with (
        pytest.raises(RuntimeError),
        uploads.saved_images(
            [photo(size=(640, 480)), SimpleUploadedFile("b.png", other.getvalue())],
            folder="products",
        ),
    ):
        raise RuntimeError("the service refused")

    assert default_storage.exists(kept.name)
    assert all_files() == sorted(
        [kept.name.split("/")[1]]
        + [uploads.variant_name(kept.name, w).split("/")[1] for w in kept.widths]
    )
