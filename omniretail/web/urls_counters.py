"""Pages of the counters programme, in the `web:` namespace (included by web/urls.py)."""

urlpatterns: list = []
