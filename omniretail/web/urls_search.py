"""Search pages around /search/, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_search

urlpatterns = [
    path("search/suggestions/", views_search.suggestions, name="search_suggestions"),
    path("search/history/forget/", views_search.forget, name="search_history_forget"),
    path("search/history/clear/", views_search.clear, name="search_history_clear"),
    path("ops/search/hot-words/", views_search.hot_words, name="ops_search_hot_words"),
]
