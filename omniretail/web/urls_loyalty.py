"""Pages of the loyalty programme, in the `web:` namespace (included by web/urls.py)."""

urlpatterns: list = []
