"""Pages of the groupbuy programme, in the `web:` namespace (included by web/urls.py)."""

urlpatterns: list = []
