"""Uploaded photos served by the application itself when the storage is the local disk (the
embedded setup, DEBUG or not); with S3 the storage's own URLs are used and this view is not
mounted. Only names core.uploads gave out are served, as the image they are, never sniffed,
never run, cached for good (a name is never reused)."""

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from omniretail.core.uploads import CONTENT_TYPES, is_stored_photo


@require_safe
def serve(request: HttpRequest, name: str) -> FileResponse:
    if not is_stored_photo(name) or not default_storage.exists(name):
        raise Http404
    response = FileResponse(
        default_storage.open(name),
        content_type=CONTENT_TYPES[PurePosixPath(name).suffix],
        as_attachment=False,
        filename=PurePosixPath(name).name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
