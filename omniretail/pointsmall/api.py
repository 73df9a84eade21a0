"""/api/pointsmall: the points-mall catalogue with stock per store, redemption for pickup
(an `Idempotency-Key` is required: a retried tap never spends twice), the member's vouchers,
and listing goods for a merchant's staff."""

from django.utils.translation import gettext as _
from ninja import Router, Status

from omniretail.accounts.auth import AUTH
from omniretail.accounts.selectors import organization_for_user
from omniretail.catalog.models import Sku
from omniretail.core.api import as_json, idempotent
from omniretail.core.errors import field_error
from omniretail.core.idempotency import HEADER
from omniretail.loyalty import services as loyalty
from omniretail.pointsmall import selectors, services
from omniretail.pointsmall.models import PointsGood, Redemption
from omniretail.pointsmall.schemas import GoodIn, GoodOut, PointsRedeemIn, VoucherOut
from omniretail.stores.models import Store

router = Router(tags=["pointsmall"])
LIST_SIZE = 200


def good_out(good: PointsGood, with_stock: bool = False) -> dict:
    stores = []
    if with_stock:
        stores = [
            {
                "id": row["store"].public_id,
                "name": row["store"].name,
                "address": row["store"].address,
                "available": row["available"],
            }
            for row in selectors.availability(good)
        ]
    return {
        "id": good.public_id,
        "title": good.title,
        "description": good.description,
        "merchant": good.merchant.public_id,
        "merchant_name": good.merchant.name,
        "product": good.sku.product.public_id,
        "sku": good.sku.public_id,
        "points_price": good.points_price,
        "cash_price": str(good.cash_price),
        "asset_code": good.asset_code,
        "voucher_days": good.voucher_days,
        "stores": stores,
    }


def voucher_out(row: Redemption) -> dict:
    pickup = getattr(row.order, "pickup_code", None)
    return {
        "id": row.public_id,
        "good": row.good.public_id,
        "title": row.good.title,
        "store": row.store.public_id,
        "store_name": row.store.name,
        "points": row.points,
        "cash": str(row.order.total),
        "asset_code": row.asset_code,
        "status": row.status,
        "pickup_code": pickup.code if pickup and row.status == Redemption.Status.ISSUED else None,
        "order": row.order.public_id,
        "order_status": row.order.status,
        "expires_at": row.expires_at,
        "created_at": row.created_at,
    }


@router.get("/goods", response=list[GoodOut])
def list_goods(request):
    return [good_out(g) for g in selectors.goods()[:LIST_SIZE]]


@router.get("/goods/{public_id}", response=GoodOut)
def get_good(request, public_id: str):
    return good_out(selectors.good(public_id), with_stock=True)


@router.post("/goods", response={201: GoodOut}, auth=AUTH)
def create_good(request, payload: GoodIn):
    """For a merchant's staff: offer one SKU for points at some of the merchant's stores."""
    merchant = organization_for_user(request.auth, payload.merchant)
    sku = Sku.objects.select_related("product").filter(public_id=payload.sku).first()
    stores = list(Store.objects.filter(public_id__in=payload.stores))
    if len(stores) != len(set(payload.stores)):
        raise field_error("stores", _("请选择本商家的门店。"))
    good = services.create_good(
        actor=request.auth,
        merchant=merchant,
        sku=sku,
        title=payload.title,
        points_price=payload.points_price,
        cash_price=payload.cash_price,
        stores=stores,
        asset_code=payload.asset_code or loyalty.PLATFORM_POINTS,
        description=payload.description,
        voucher_days=payload.voucher_days,
    )
    return Status(201, good_out(good, with_stock=True))


@router.post("/goods/{public_id}/redeem", response={201: VoucherOut}, auth=AUTH)
def redeem(request, public_id: str, payload: PointsRedeemIn):
    """Spend points for one unit held at the chosen store; the answer carries the pickup
    code to show there. A good with a cash part returns `order_status` pending_payment: pay
    the order (`order`) through /api/orders, then the pickup code appears. Too few points:
    409 `insufficient_funds`; none left at the store: 409 `out_of_stock`; nothing is spent
    or reserved in either case."""
    key = request.headers.get(HEADER)
    if not key:
        raise field_error(HEADER, _("请提供幂等键。"))

    def act():
        good = selectors.good(public_id)
        store = Store.objects.filter(public_id=payload.store).first()
        row = services.redeem(
            member=request.auth,
            good=good,
            store=store,
            idempotency_key=key,
            payment_provider=payload.payment_provider,
        )
        return 201, as_json(VoucherOut, voucher_out(row))

    return idempotent(
        request,
        endpoint=f"pointsmall.redeem:{public_id}",
        payload=payload.model_dump(),
        action=act,
    )


@router.get("/vouchers", response=list[VoucherOut], auth=AUTH)
def my_vouchers(request):
    return [voucher_out(v) for v in selectors.vouchers_of(request.auth)[:LIST_SIZE]]
