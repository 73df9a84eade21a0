"""Pages of the codes programme, in the `web:` namespace (included by web/urls.py)."""

urlpatterns: list = []
