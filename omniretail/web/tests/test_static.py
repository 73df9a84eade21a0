"""Static files as a release serves them: collected with hashed names, compressed, cached
for good by browsers and proxies. plotly.js (4.8 MB) is one of them, found in the installed
plotly package."""

import gzip
import re
from pathlib import Path

import plotly
import pytest
from django.core.management import call_command
from whitenoise import compress

from omniretail import settings as project_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected(settings, tmp_path, monkeypatch):
    """`omniretail collectstatic` into a fresh STATIC_ROOT with the production storage.
    Without brotli (gzip alone shows the compression): brotli takes ~10 s on plotly.js."""
    monkeypatch.setattr(compress, "brotli_installed", False)
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": project_settings.STORAGES["staticfiles"],
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_plotly_on_a_chart_page_is_hashed_compressed_and_cached_for_good(
    collected, client, commerce
):
    client.force_login(commerce.staff)
    page = client.get("/merchant/", {"store": commerce.near_store.public_id})
    assert page.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page.content.decode())
    plotly_src = next(src for src in scripts if "plotly" in src)
    assert re.fullmatch(r"/static/plotly/plotly\.min\.[0-9a-f]{12}\.js", plotly_src)

    answer = client.get(plotly_src, headers={"Accept-Encoding": "gzip, deflate"})
    assert answer.status_code == 200
    assert answer["Content-Encoding"] == "gzip"
    assert answer["Content-Type"].startswith("text/javascript")
    cache = answer["Cache-Control"]
    assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache)[1]) >= 365 * 86400
    body = gzip.decompress(b"".join(answer.streaming_content))
    assert body == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    assert int(answer["Content-Length"]) < len(body) / 2

    plain = client.get(plotly_src)
    assert "Content-Encoding" not in plain and int(plain["Content-Length"]) == len(body)


def test_a_second_collectstatic_keeps_the_compressed_copies(collected):
    """A hashed name stands for its content: the demo's collectstatic on each start does
    not compress plotly.js again."""
    (copy,) = collected.glob("plotly/plotly.min.*.js.gz")
    copy.write_bytes(b"kept")
    call_command("collectstatic", interactive=False, verbosity=0)
    assert copy.read_bytes() == b"kept"
    assert not list(collected.glob("plotly/plotly.min.js*"))  # only the hashed name is kept


def test_each_static_url_is_looked_up_in_the_manifest_once_per_process(
    collected, client, monkeypatch
):
    """base.html names nine static files on every page; their hashed URLs are worked out
    once (issue 22), and stay the hashed ones."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin

    looked_up = []
    original = ManifestFilesMixin.stored_name

    def counting(self, name):
        looked_up.append(name)
        return original(self, name)

    monkeypatch.setattr(ManifestFilesMixin, "stored_name", counting)
    stylesheet = r'href="(/static/web/app\.[0-9a-f]{12}\.css)"'
    first = re.search(stylesheet, client.get("/categories/").content.decode())
    looked = len(looked_up)
    again = re.search(stylesheet, client.get("/categories/").content.decode())

    assert first and again and first[1] == again[1]
    assert "web/app.css" in looked_up and len(looked_up) == looked
