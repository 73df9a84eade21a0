"""The site's own URLs plus the bound of bench/http.py: the least a Django view can do with
the database (one `SELECT 1`) through the very same middleware as every page."""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path


def bound(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bound/", bound), path("", include("omniretail.urls"))]
