"""Pages of the supply programme, in the `web:` namespace (included by web/urls.py)."""

urlpatterns: list = []
