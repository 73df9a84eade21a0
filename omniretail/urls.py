from django.conf import settings
from django.contrib import admin
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import include, path

from omniretail.accounts.api import router as auth_router
from omniretail.analytics.api import router as real_name_router
from omniretail.catalog.api import router as catalog_router
from omniretail.codes.api import router as codes_router
from omniretail.community.api import router as community_router
from omniretail.core import media as media_view
from omniretail.core.api import build_api
from omniretail.counters.api import router as counters_router
from omniretail.groupbuy.api import router as groupbuy_router
from omniretail.inventory.api import catalog_router as merges_router
from omniretail.inventory.api import router as inventory_router
from omniretail.loyalty.api import router as loyalty_router
from omniretail.merchandising.api import catalog_router as specs_router
from omniretail.merchandising.api import router as merchandising_router
from omniretail.orders.api import router as orders_router
from omniretail.payments.api import router as payments_router
from omniretail.pointsmall.api import router as pointsmall_router
from omniretail.referrals.api import router as referrals_router
from omniretail.reviews.api import router as reviews_router
from omniretail.service.api import router as service_router
from omniretail.stores.api import router as stores_router
from omniretail.supply.api import router as supply_router
from omniretail.terminals.api import router as terminals_router
from omniretail.till.api import router as till_router

api = build_api()
api.add_router("/auth", auth_router)
api.add_router("/auth", real_name_router)  # /me/real-name: 实名认证 (analytics)
api.add_router("/catalog", catalog_router)
api.add_router("/catalog", reviews_router)  # its paths are the catalogue's
api.add_router("/catalog", specs_router)  # the spec picker: prices now and stock
api.add_router("/catalog", merges_router)  # merging listings moves their stock (inventory)
api.add_router("/merchandising", merchandising_router)
api.add_router("/stores", stores_router)
api.add_router("/payments", payments_router)
api.add_router("/orders", orders_router)
api.add_router("/inventory", inventory_router)
api.add_router("/referrals", referrals_router)
api.add_router("/loyalty", loyalty_router)
api.add_router("/codes", codes_router)
api.add_router("/pointsmall", pointsmall_router)
api.add_router("/groupbuy", groupbuy_router)
api.add_router("/counters", counters_router)
api.add_router("/supply", supply_router)
api.add_router("/service", service_router)
api.add_router("/community", community_router)
api.add_router("/terminals", terminals_router)
api.add_router("/till", till_router)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sandbox-gateway/", include("omniretail.payments.sandbox_gateway.urls")),
    path("", include("omniretail.web.urls")),
]
if settings.OMNI_SANDBOX_WECHATPAY:  # a stand-in for WeChat Pay, never in production
    urlpatterns.insert(-1, path("sandbox-wechatpay/", include("omniretail.sandbox_wechatpay.urls")))
if settings.OMNI_SANDBOX_ALIPAY:  # a stand-in for Alipay: never mounted where it is off
    urlpatterns.insert(-1, path("sandbox-alipay/", include("omniretail.sandbox_alipay.urls")))
if settings.OMNI_SANDBOX_TENCENTCLOUD:  # a stand-in for Tencent Cloud FaceID (实名认证)
    urlpatterns.insert(
        -1, path("sandbox-tencentcloud/", include("omniretail.sandbox_tencentcloud.urls"))
    )
if isinstance(default_storage, FileSystemStorage):  # S3 serves its own URLs
    media = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(path(f"{media}<path:name>", media_view.serve, name="media"))
