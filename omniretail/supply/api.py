"""/api/supply: the producer portal, the management centre's review, the regions' selection,
retailers' purchase orders, routed delivery orders, split rules and statements. Thin routes
over supply.services, procurement, routing, settlement and selectors; every read is scoped
(someone else's object is a 404). Writes that move money or stock take an Idempotency-Key."""

from ninja import Router, Status

from omniretail.accounts.auth import AUTH
from omniretail.catalog.selectors import category_by_slug
from omniretail.core.api import idempotent
from omniretail.inventory.selectors import skus_by_public_ids
from omniretail.ledger.units import fen_to_yuan
from omniretail.stores.selectors import store_for_actor
from omniretail.supply import procurement, routing, selectors, services, settlement
from omniretail.supply.exports import statement_csv
from omniretail.supply.models import Offer, PurchaseOrder, RegionalOffer, Statement
from omniretail.supply.schemas import (
    ApplicationOut,
    DeliveryOrderIn,
    FeedbackOut,
    GoodsIn,
    MallItemOut,
    OfferOut,
    PendingApplicationOut,
    PurchaseOrderIn,
    PurchaseOrderOut,
    RegionDemandOut,
    RegisterIn,
    RetailerOut,
    ReviewDecisionOut,
    ReviewQueueItemOut,
    RoutedOrderOut,
    SelectIn,
    SelectionOut,
    ShipIn,
    ShipmentOut,
    ShipmentReceiveIn,
    SplitIn,
    SplitRuleOut,
    StatementsIn,
    SupplyDecisionIn,
    SupplyStatementOut,
    TermsIn,
)

router = Router(tags=["supply"], auth=AUTH)
CSV = {
    "responses": {
        200: {
            "description": "the statement's lines as CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}
LIST_SIZE = 200


def offer_out(offer: Offer) -> dict:
    return {
        "id": offer.public_id,
        "product": offer.product.public_id,
        "name": offer.product.name,
        "status": offer.product.status,
        "rejection_reason": offer.product.rejection_reason,
        "sku": offer.sku.public_id,
        "sku_code": offer.sku.code,
        "producer": offer.producer.public_id,
        "retail_price": str(offer.sku.price),
        "wholesale_price": str(offer.wholesale_price),
        "wholesale_ceiling": str(offer.wholesale_ceiling),
        "min_order_quantity": offer.min_order_quantity,
        "placement_category": offer.placement_category.slug if offer.placement_category else "",
        "featured_zones": offer.featured_zones,
    }


def selection_out(selection: RegionalOffer) -> dict:
    return {
        "id": selection.public_id,
        "region": selection.region.public_id,
        "offer": selection.offer.public_id,
        "name": selection.offer.product.name,
        "sku": selection.offer.sku.public_id,
        "retail_price": str(selection.offer.sku.price),
        "wholesale_price": str(selection.wholesale_price),
        "min_order_quantity": selection.offer.min_order_quantity,
        "is_active": selection.is_active,
    }


def po_out(order: PurchaseOrder) -> dict:
    return {
        "id": order.public_id,
        "number": order.number,
        "status": order.status,
        "retailer": order.retailer.public_id,
        "region": order.region.public_id,
        "store": order.store.public_id,
        "total": str(order.total),
        "lines": [
            {
                "sku": line.sku.public_id,
                "name": line.sku.product.name,
                "unit_price": str(line.unit_price),
                "quantity": line.quantity,
                "shipped": line.quantity_shipped,
                "received": line.quantity_received,
            }
            for line in order.lines.select_related("sku__product")
        ],
        "shipments": [
            {"id": s.public_id, "status": s.status, "created_at": s.created_at.isoformat()}
            for s in order.shipments.all()
        ],
        "discrepancies": [
            {
                "shipment": d.shipment.public_id,
                "sku": d.po_line.sku.public_id,
                "shipped": d.quantity,
                "received": d.quantity_received,
                "note": d.discrepancy_note,
            }
            for d in selectors.discrepancies(order)
        ],
    }


def statement_out(statement: Statement) -> dict:
    return {
        "id": statement.public_id,
        "organization": statement.organization.public_id,
        "organization_name": statement.organization.name,
        "period_start": statement.period_start,
        "period_end": statement.period_end,
        "total": str(fen_to_yuan(statement.total_fen)),
        "waived": str(fen_to_yuan(statement.waived_fen)),
        "lines": statement.line_count,
        "status": statement.status,
        "paid_at": statement.paid_at,
    }


# --- producers --------------------------------------------------------------------------------


@router.post("/producers/register", auth=None, response={201: ApplicationOut})
def register(request, payload: RegisterIn):
    """A producer applies to join; the platform approves before it may upload goods."""
    application = services.register_producer(**payload.model_dump())
    return Status(201, {"id": application.public_id, "status": application.status})


@router.get("/producers/applications", response=list[PendingApplicationOut])
def applications(request):
    return [
        {"id": a.public_id, "name": a.organization.name, "licence_number": a.licence_number}
        for a in selectors.pending_applications(request.auth)
    ]


@router.post("/producers/applications/{application_id}/decision", response=ApplicationOut)
def decide_application(request, application_id: str, payload: SupplyDecisionIn):
    application = selectors.application_for(request.auth, application_id)
    application = services.review_producer(
        actor=request.auth, application=application, approve=payload.approve, reason=payload.reason
    )
    return {"id": application.public_id, "status": application.status}


@router.get("/goods", response=list[OfferOut])
def goods(request):
    """Your producers' goods with their terms and review status (the platform: all)."""
    return [offer_out(o) for o in selectors.offers_for(request.auth)[:LIST_SIZE]]


@router.post("/goods", response={201: list[OfferOut]})
def upload(request, payload: GoodsIn):
    producer = selectors.producer_for(request.auth, payload.producer)
    product = services.upload_goods(
        actor=request.auth,
        producer=producer,
        category=category_by_slug(payload.category),
        name=payload.name,
        subtitle=payload.subtitle,
        description=payload.description,
        images=payload.images,
        skus=[s.model_dump() for s in payload.skus],
    )
    offers = product.supply_offers.select_related("sku", "product", "producer")
    return Status(201, [offer_out(o) for o in offers])


@router.patch("/goods/{offer_id}", response=OfferOut)
def edit_terms(request, offer_id: str, payload: TermsIn):
    offer = selectors.offer_for(request.auth, offer_id)  # a region's view is refused by edit_terms
    offer = services.edit_terms(actor=request.auth, offer=offer, **payload.model_dump())
    return offer_out(offer)


@router.get("/producers/{producer_id}/orders", response=list[PurchaseOrderOut])
def producer_orders(request, producer_id: str):
    producer = selectors.producer_for(request.auth, producer_id)
    orders = selectors.purchase_orders_for(request.auth).filter(lines__producer=producer)
    return [po_out(o) for o in orders.distinct()[:LIST_SIZE]]


@router.get("/producers/{producer_id}/feedback", response=FeedbackOut)
def feedback(request, producer_id: str):
    """Sell-through per region and store, returns, and the 4-week forecast per SKU."""
    producer = selectors.producer_for(request.auth, producer_id)
    return {
        "sell_through": selectors.sell_through(producer),
        "forecast": selectors.demand_forecast(producer),
        "sales_by_region": [
            {"region": r, "total": str(t)} for r, t in selectors.sales_by_region(producer=producer)
        ],
    }


# --- review -------------------------------------------------------------------------------------


@router.get("/review", response=list[ReviewQueueItemOut])
def review_queue(request):
    return [
        {
            "product": p.public_id,
            "name": p.name,
            "producer": p.owner.name,
            "category": p.category.slug,
            "offers": [offer_out(o) for o in p.supply_offers.all()],
        }
        for p in selectors.review_queue(request.auth)[:LIST_SIZE]
    ]


@router.post("/review/{product_id}", response=ReviewDecisionOut)
def review(request, product_id: str, payload: SupplyDecisionIn):
    product = selectors.queued_product(request.auth, product_id)
    placement = category_by_slug(payload.placement_category) if payload.placement_category else None
    product = services.review_goods(
        actor=request.auth,
        product=product,
        approve=payload.approve,
        reason=payload.reason,
        placement_category=placement,
        featured_zones=payload.featured_zones,
        regions=selectors.regions_by_id(payload.regions),
    )
    return {"product": product.public_id, "status": product.status}


# --- regions ------------------------------------------------------------------------------------


@router.get("/regions/{region_id}/selection", response=list[SelectionOut])
def selection(request, region_id: str):
    region = selectors.region_for(request.auth, region_id)
    return [selection_out(s) for s in selectors.region_selection(region)[:LIST_SIZE]]


@router.post("/regions/{region_id}/selection", response={201: SelectionOut})
def select(request, region_id: str, payload: SelectIn):
    region = selectors.region_for(request.auth, region_id)
    offer = selectors.approved_offer(payload.offer)
    chosen = services.select_offer(
        actor=request.auth, region=region, offer=offer, wholesale_price=payload.wholesale_price
    )
    return Status(201, selection_out(chosen))


@router.get("/regions/{region_id}/retailers", response=list[RetailerOut])
def region_retailers(request, region_id: str):
    region = selectors.region_for(request.auth, region_id)
    return [
        {"id": r.public_id, "name": r.name, "code": r.code}
        for r in selectors.retailers_of_region(region)
    ]


@router.get("/regions/{region_id}/demand", response=list[RegionDemandOut])
def region_demand(request, region_id: str):
    return selectors.region_demand(selectors.region_for(request.auth, region_id))


# --- procurement --------------------------------------------------------------------------------


@router.get("/catalogue", response=list[SelectionOut])
def catalogue(request, store: str):
    """What the store's retailer may buy from its region."""
    found = store_for_actor(request.auth, store)
    return [selection_out(s) for s in selectors.catalogue_for_retailer(found.merchant)]


@router.get("/purchase-orders", response=list[PurchaseOrderOut])
def purchase_orders(request):
    return [po_out(o) for o in selectors.purchase_orders_for(request.auth)[:LIST_SIZE]]


@router.get("/purchase-orders/{order_id}", response=PurchaseOrderOut)
def purchase_order(request, order_id: str):
    return po_out(selectors.purchase_order_for(request.auth, order_id))


@router.post("/purchase-orders", response={201: PurchaseOrderOut})
def place_purchase_order(request, payload: PurchaseOrderIn):
    store = store_for_actor(request.auth, payload.store)

    def act():
        lines = [
            (selectors.regional_offer_for(request.auth, line.offer), line.quantity)
            for line in payload.lines
        ]
        order = procurement.place_order(
            actor=request.auth, store=store, lines=lines, note=payload.note
        )
        return 201, po_out(order)

    return idempotent(request, endpoint="supply:po", payload=payload.model_dump(), action=act)


@router.post("/purchase-orders/{order_id}/confirm", response=PurchaseOrderOut)
def confirm(request, order_id: str):
    order = selectors.purchase_order_for(request.auth, order_id)
    return po_out(procurement.confirm_order(actor=request.auth, order=order))


@router.post("/purchase-orders/{order_id}/shipments", response={201: ShipmentOut})
def ship(request, order_id: str, payload: ShipIn):
    order = selectors.purchase_order_for(request.auth, order_id)

    def act():
        shipment = procurement.ship(actor=request.auth, order=order, quantities=payload.quantities)
        return 201, {"id": shipment.public_id, "order": po_out(order)}

    return idempotent(
        request, endpoint=f"supply:ship:{order_id}", payload=payload.model_dump(), action=act
    )


@router.post("/shipments/{shipment_id}/receive", response=PurchaseOrderOut)
def receive(request, shipment_id: str, payload: ShipmentReceiveIn):
    shipment = selectors.shipment_for(request.auth, shipment_id)
    procurement.receive(
        actor=request.auth, shipment=shipment, received=payload.received, note=payload.note
    )
    shipment.order.refresh_from_db()
    return po_out(shipment.order)


# --- the mall and routed delivery ------------------------------------------------------------


@router.get("/mall", auth=None, response=list[MallItemOut])
def mall(request, lat: float, lon: float):
    """Goods in stock at stores near the point, each with the nearest store."""
    return [
        {
            "product": i.product.public_id,
            "name": i.product.name,
            "price": str(i.price),
            "store": i.store.public_id,
            "store_name": i.store.name,
            "distance_m": i.distance_m,
            "available": i.available,
        }
        for i in selectors.mall_near(lat=lat, lon=lon)
    ]


@router.post("/delivery-orders", response={201: RoutedOrderOut})
def delivery_order(request, payload: DeliveryOrderIn):
    """A shopper's delivery order, routed to the nearest store that has every line."""

    def act():
        skus = skus_by_public_ids([line.sku for line in payload.lines])
        order = routing.place_routed_order(
            shopper=request.auth,
            lines=[(skus[line.sku], line.quantity) for line in payload.lines],
            lat=payload.lat,
            lon=payload.lon,
            delivery_address={k: getattr(payload, k) for k in ("name", "phone", "address")},
            payment_provider=payload.payment_provider,
            note=payload.note,
            coupon=payload.coupon,
        )
        decision = order.routing_decision
        return 201, {
            "order": order.public_id,
            "number": order.number,
            "total": str(order.total),
            "discount_total": str(order.discount_total),
            "store": decision.store.public_id if decision.store else "",
            "target": decision.target,
            "distance_m": decision.distance_m,
        }

    return idempotent(request, endpoint="supply:deliver", payload=payload.model_dump(), action=act)


# --- settlement -----------------------------------------------------------------------------


@router.post("/split-rules", response={201: SplitRuleOut})
def split_rule(request, payload: SplitIn):
    category = category_by_slug(payload.category) if payload.category else None
    rule = settlement.set_split_rule(
        actor=request.auth,
        channel=payload.channel,
        category=category,
        percents=payload.percents,
        fees=payload.fees,
    )
    return Status(201, {"channel": rule.channel, "category": payload.category})


@router.post("/statements", response={201: list[SupplyStatementOut]})
def issue(request, payload: StatementsIn):
    services.require_platform(request.auth)
    start, end = settlement.parse_period(payload.period_start, payload.period_end)
    statements = settlement.issue_statements(period_start=start, period_end=end)
    return Status(201, [statement_out(s) for s in statements])


@router.get("/statements", response=list[SupplyStatementOut])
def statements(request):
    return [statement_out(s) for s in selectors.statements_for(request.auth)[:LIST_SIZE]]


@router.get("/statements/{statement_id}.csv", openapi_extra=CSV)
def statement_export(request, statement_id: str):
    return statement_csv(selectors.statement_for(request.auth, statement_id))


@router.post("/statements/{statement_id}/pay", response=SupplyStatementOut)
def pay(request, statement_id: str):
    statement = selectors.statement_for(request.auth, statement_id)
    return statement_out(settlement.pay_out(actor=request.auth, statement=statement))
