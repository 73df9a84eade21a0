"""Pages of the points mall, in the `web:` namespace (included by web/urls.py)."""

urlpatterns: list = []
