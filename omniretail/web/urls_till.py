"""The till (收银台) pages and the shopper's member code, in the `web:` namespace."""

from django.urls import path

from omniretail.web import views_till

urlpatterns = [
    path("merchant/till/", views_till.till, name="till"),
    path("merchant/till/shift/", views_till.shift, name="till_shift"),
    path("merchant/till/receipts/<str:public_id>/", views_till.receipt, name="till_receipt"),
    path(
        "merchant/till/receipts/<str:public_id>/cancel/",
        views_till.cancel_sale,
        name="till_cancel",
    ),
    path(
        "merchant/till/receipts/<str:public_id>/receipt.pdf",
        views_till.receipt_as_pdf,
        name="till_receipt_pdf",
    ),
    path(
        "merchant/till/receipts/<str:public_id>/refund/",
        views_till.refund,
        name="till_refund",
    ),
    path("me/member-code/", views_till.my_member_code, name="member_code"),
]
