"""Product pictures: how many uploads a second the one upload path turns into a stored,
re-encoded original and its WebP copies (core.uploads.save_images), for phone photos and for
the demo's drawn photos; how long the demo city takes to load with its photos; and what the
first H5 home page costs a phone in Chromium (bytes transferred, images among them), which
must stay under 300 KB of images (responsive WebP, lazy below the fold).

    python -m bench.media        # SQLite; with DATABASE_URL set, a fresh PostgreSQL database

Environment: BENCH_MEDIA_PHOTOS (default 20 a kind), BENCH_MEDIA_BROWSER=0 skips Chromium."""

import io
import os
import time
from pathlib import Path

from bench.common import close_connections, django_database, header, print_table

PHOTOS = int(os.environ.get("BENCH_MEDIA_PHOTOS", "20"))
IMAGE_BUDGET = 300 * 1024


def _camera_photo(i: int) -> bytes:
    """A 4000 × 3000 JPEG with a photo's entropy (noise over a gradient), as a phone sends."""
    from PIL import Image

    noise = Image.effect_noise((4000, 3000), 40 + i).convert("RGB")
    gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, gradient, 0.6).save(out, "JPEG", quality=90)
    return out.getvalue()


def _uploads_per_second(label: str, blobs: list[bytes]) -> list:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from omniretail.core import uploads

    started, cpu = time.perf_counter(), time.process_time()
    for i, data in enumerate(blobs):
        upload = SimpleUploadedFile(f"{i}.jpg", data, content_type="image/jpeg")
        uploads.save_images([upload], folder="bench")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    size = sum(map(len, blobs)) / len(blobs) / 1024
    n = len(blobs)
    return [label, n, f"{size:.0f} KB", f"{seconds:.2f}", f"{n / seconds:.1f}", f"{n / cpu:.1f}"]


def _first_home_page(base_url: str, dpr: float) -> dict:
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM, CHROMIUM_ARGS  # the browser the tests drive

    sizes = {"all": 0, "image": 0, "images": 0, "webp": 0}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=dpr, is_mobile=True
        )
        page = context.new_page()

        def finished(request):
            body = request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]
            sizes["all"] += body
            if request.resource_type == "image":
                sizes["image"] += body
                sizes["images"] += 1
                sizes["webp"] += request.url.endswith(".webp")

        page.on("requestfinished", finished)
        page.goto(base_url + "/", wait_until="networkidle")
        sizes["lazy_waiting"] = page.evaluate(
            "[...document.images].filter(i => i.loading === 'lazy' && !i.complete).length"
        )
        browser.close()
    return sizes


def main() -> None:
    header("media: uploads to all sizes, demo load, first H5 page")
    with django_database("media") as label:
        from django.conf import settings

        from omniretail.catalog.demo_photos import has_cjk_font, product_photo
        from omniretail.demo import load_demo_city

        drawn = [
            product_photo(name=f"明前西湖龙井{i}50g", subtitle="核心产区", category="green-tea")
            for i in range(PHOTOS)
        ]
        rows = [
            _uploads_per_second("phone photo 4000×3000", [_camera_photo(i) for i in range(PHOTOS)]),
            _uploads_per_second("demo photo 640×640", drawn),
        ]
        # images/s per CPU second too: on a shared machine the wall clock measures the others
        print_table(["kind", "images", "size", "seconds", "images/s", "per CPU s"], rows)

        started, cpu = time.perf_counter(), time.process_time()
        summary = load_demo_city()
        print(
            f"demo city with photos ({label}): {summary['products']} products and the "
            f"programmes' goods in {time.perf_counter() - started:.1f}s "
            f"({time.process_time() - cpu:.1f}s CPU); CJK font: "
            f"{'yes' if has_cjk_font() else 'no (labels left blank)'}"
        )
        if os.environ.get("BENCH_MEDIA_BROWSER", "1") == "0":
            return
        from django.core.management import call_command

        from omniretail.testing.server import Server

        call_command("collectstatic", interactive=False, verbosity=0)
        close_connections()
        server = Server(Path(settings.DATA_DIR))
        server.start()
        try:
            rows = []
            for dpr in (2, 3):
                sizes = _first_home_page(server.url, dpr)
                rows.append(
                    [
                        f"390×844 @{dpr}x",
                        f"{sizes['all'] / 1024:.0f} KB",
                        f"{sizes['image'] / 1024:.0f} KB",
                        f"{sizes['images']} ({sizes['webp']} WebP)",
                        sizes["lazy_waiting"],
                        "yes" if sizes["image"] < IMAGE_BUDGET else "NO",
                    ]
                )
            print_table(
                ["first H5 home page", "transferred", "images", "requests", "lazy", "< 300 KB"],
                rows,
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
