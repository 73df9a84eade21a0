from django.urls import include, path

from omniretail.web import (
    views,
    views_merchant,
    views_notifications,
    views_shop,
    views_terminals,
)

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
    path("me/notifications/", views_notifications.notifications, name="notifications"),
    path(
        "me/notifications/read-all/",
        views_notifications.read_all,
        name="notifications_read_all",
    ),
    path(
        "me/notifications/<str:public_id>/",
        views_notifications.open_notification,
        name="notification",
    ),
    # buying
    path("cart/", views_shop.cart, name="cart"),
    path("cart/add/", views_shop.cart_add, name="cart_add"),
    path("cart/quantity/", views_shop.cart_quantity, name="cart_quantity"),
    path("cart/availability/", views_shop.cart_availability, name="cart_availability"),
    path("checkout/", views_shop.checkout, name="checkout"),
    path("checkout/slots/", views_shop.checkout_slots, name="checkout_slots"),
    path("orders/", views_shop.orders, name="orders"),
    path("orders/<str:public_id>/", views_shop.order_detail, name="order"),
    path("orders/<str:public_id>/status/", views_shop.order_status, name="order_status"),
    path("orders/<str:public_id>/after-sales/", views_shop.after_sales, name="after_sales"),
    path(
        "orders/<str:public_id>/after-sales/<str:request_id>/return/",
        views_shop.return_goods,
        name="return_goods",
    ),
    path("orders/<str:public_id>/<str:action>/", views_shop.order_action, name="order_action"),
    # merchant console
    path("merchant/", views_merchant.dashboard, name="m_dashboard"),
    path("merchant/redeem/", views_merchant.redeem, name="m_redeem"),
    path("merchant/orders/", views_merchant.orders, name="m_orders"),
    path("merchant/orders/<str:public_id>/", views_merchant.order_detail, name="m_order"),
    path(
        "merchant/orders/<str:public_id>/action/",
        views_merchant.order_action,
        name="m_order_action",
    ),
    path(
        "merchant/after-sales/<str:public_id>/decide/",
        views_merchant.decide,
        name="m_decide",
    ),
    path("merchant/after-sales/", views_merchant.after_sales_list, name="m_after_sales"),
    path(
        "merchant/after-sales/<str:public_id>/receive/",
        views_merchant.receive_return,
        name="m_receive_return",
    ),
    path("merchant/stock/", views_merchant.stock, name="m_stock"),
    path("merchant/terminals/", views_terminals.terminals, name="m_terminals"),
    path(
        "merchant/terminals/<str:public_id>/revoke/",
        views_terminals.terminal_revoke,
        name="m_terminal_revoke",
    ),
    # programmes
    path("", include("omniretail.web.urls_referrals")),
    path("", include("omniretail.web.urls_loyalty")),
    path("", include("omniretail.web.urls_codes")),
    path("", include("omniretail.web.urls_pointsmall")),
    path("", include("omniretail.web.urls_groupbuy")),
    path("", include("omniretail.web.urls_counters")),
    path("", include("omniretail.web.urls_supply")),
    path("", include("omniretail.web.urls_reviews")),
    path("", include("omniretail.web.urls_service")),
    path("", include("omniretail.web.urls_till")),
    path("", include("omniretail.web.urls_finance")),
    path("", include("omniretail.web.urls_credit")),
    path("", include("omniretail.web.urls_media")),
    path("", include("omniretail.web.urls_community")),
]
