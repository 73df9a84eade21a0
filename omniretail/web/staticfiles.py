"""Static files as the web processes serve them (through WhiteNoise): plotly.js found in the
installed plotly package, and a storage that hashes, compresses and compresses only once."""

import importlib.util
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from whitenoise import compress
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

PLOTLY = "plotly/plotly.min.js"


class PlotlyFinder(BaseFinder):
    """plotly.js (4.8 MB) from the plotly package as the static file plotly/plotly.min.js,
    so it is collected, hashed and compressed with the others and never copied into the
    repository."""

    def __init__(self, *args, **kwargs):
        package = Path(importlib.util.find_spec("plotly").origin).parent
        self.storage = FileSystemStorage(location=package / "package_data")
        self.storage.prefix = "plotly"

    def find(self, path, find_all=False, **kwargs):
        found = self.storage.path(os.path.basename(PLOTLY)) if path == PLOTLY else None
        if find_all:
            return [found] if found else []
        return found

    def list(self, ignore_patterns):
        yield os.path.basename(PLOTLY), self.storage


class _AtomicCompressor(Compressor):
    """Writes each compressed copy whole or not at all, so one found on disk is complete."""

    def write_data(self, path, data, suffix, stat_result):
        filename, partial = path + suffix, path + suffix + ".partial"
        with open(partial, "wb") as f:
            f.write(data)
        os.utime(partial, (stat_result.st_atime, stat_result.st_mtime))
        os.replace(partial, filename)
        return filename


class CompressedManifestStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed and compressed storage. A hashed name stands for its content, so
    its compressed copies from an earlier collectstatic are kept: brotli takes ~10 s on
    plotly.js, which the demo would otherwise pay on every start."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        """Each file's URL worked out once per process: the manifest does not change while a
        process runs, and finding a hashed name and joining its URL was a fifth of rendering
        base.html, which names nine static files on every page (issue 22)."""
        if force or settings.DEBUG:
            return super().url(name, force)
        if (url := self._urls.get(name)) is None:
            url = self._urls[name] = super().url(name)
        return url

    def create_compressor(self, **kwargs):
        return _AtomicCompressor(**kwargs)

    def compress_files(self, paths):
        hashed = set(self.hashed_files.values())
        suffixes = (".br", ".gz") if compress.brotli_installed else (".gz",)
        done = [
            path
            for path in paths
            if path in hashed and all(self.exists(path + suffix) for suffix in suffixes)
        ]
        for path in done:
            for suffix in suffixes:
                yield path, path + suffix
        yield from super().compress_files(set(paths) - set(done))
