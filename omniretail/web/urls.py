from django.urls import path

from omniretail.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("categories/", views.categories, name="categories"),
    path("c/<str:slug>/", views.category, name="category"),
    path("p/<str:public_id>/", views.product, name="product"),
    path("search/", views.search, name="search"),
    path("nearby/", views.nearby, name="nearby"),
    path("nearby/results/", views.nearby_results, name="nearby_results"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.me, name="me"),
]
