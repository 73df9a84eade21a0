"""/api/groupbuy: campaigns and their seats left, joining (pre-paid through a payment intent),
one's own groups, the public proof of every draw; for a merchant's staff, publishing and
watching campaigns. Writes take an `Idempotency-Key`."""

from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.auth import AUTH
from omniretail.accounts.models import Organization
from omniretail.catalog.models import Sku
from omniretail.core.api import as_json, idempotent
from omniretail.core.errors import NotFound
from omniretail.groupbuy import selectors, services
from omniretail.groupbuy.models import Campaign, Member
from omniretail.groupbuy.schemas import (
    CampaignIn,
    CampaignOut,
    GroupOut,
    JoinIn,
    MemberOut,
    ProofOut,
    StatsOut,
)
from omniretail.stores.models import Store

router = Router(tags=["groupbuy"])
LIST_SIZE = 200


def campaign_out(c: Campaign) -> dict:
    return {
        "id": c.public_id,
        "title": c.title,
        "description": c.description,
        "merchant": c.merchant.public_id,
        "store": c.store.public_id,
        "store_name": c.store.name,
        "navigation_address": c.navigation_address,
        "phone": c.phone,
        "product_name": c.sku.product.name,
        "sku": c.sku.public_id,
        "quantity": c.quantity,
        "group_price": str(c.group_price),
        "group_size": c.group_size,
        "winners_per_group": c.winners_per_group,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "status": c.status,
        "seats_left": selectors.seats_left(c),
        "consolation_points": c.consolation_points,
        "unfilled_points": c.unfilled_points,
        "consolation_coupon": c.consolation_coupon.public_id if c.consolation_coupon else None,
    }


def member_out(m: Member, redirect_url: str = "") -> dict:
    order = m.order
    return {
        "id": m.public_id,
        "campaign": m.campaign.public_id,
        "campaign_title": m.campaign.title,
        "group": m.group.public_id,
        "group_number": m.group.number,
        "seat": m.seat_number,
        "status": m.status,
        "amount": str(m.amount),
        "intent": m.intent_id,
        "client_value": m.client_value,
        "group_commitment": m.group.commitment,
        "pay_by": m.pay_by,
        "redirect_url": redirect_url,
        "order": order.public_id if order else None,
        "pickup_code": order.pickup_code.code if order and hasattr(order, "pickup_code") else None,
        "consolation_points": m.consolation_points,
    }


@router.get("/campaigns", response=list[CampaignOut])
def campaigns(request):
    """Campaigns open now, soonest ending first."""
    return [campaign_out(c) for c in selectors.open_campaigns()[:LIST_SIZE]]


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def campaign(request, campaign_id: str):
    return campaign_out(selectors.public_campaign(campaign_id))


@router.get("/campaigns/{campaign_id}/groups", response=list[GroupOut])
def groups(request, campaign_id: str):
    """Every group with its seed commitment (public from the start) and, once formed, the
    hash of its frozen member list."""
    return [
        {
            "id": g.public_id,
            "number": g.number,
            "status": g.status,
            "size": g.size,
            "paid": g.paid_count,
            "draw_version": g.draw_version,
            "commitment": g.commitment,
            "member_list_hash": g.member_list_hash,
        }
        for g in selectors.public_campaign(campaign_id).groups.all()[: LIST_SIZE * 10]
    ]


@router.get("/groups/{group_id}/proof", response=ProofOut)
def proof(request, group_id: str):
    """The public proof of a draw: `python3 scripts/verify_draw.py <this URL>` checks it.
    Before the draw a 409 `draw_pending` (`details.status`: open or full); a group that
    never formed, 409 `group_not_formed`."""
    return selectors.proof(selectors.public_group(group_id))


@router.post("/campaigns/{campaign_id}/join", response={201: MemberOut}, auth=AUTH)
def join(request, campaign_id: str, payload: JoinIn):
    """Take a seat and pay it: a wallet payment completes at once, the gateway answers with
    a `redirect_url`. `client_value` (required): the client's own 32 random bytes, hex,
    which enter the draw; echoed back with the group's seed commitment. Twice, after the
    end or into a full group: 409; a missing or malformed value: 422; nothing changed."""
    campaign = selectors.campaign_to_join(campaign_id)
    group = selectors.public_group(payload.group) if payload.group else None

    def act():
        member, started = services.join_and_pay(
            shopper=request.auth,
            campaign=campaign,
            provider=payload.provider,
            client_value=payload.client_value,
            group=group,
            return_url=payload.return_url,
            savepoint=False,  # a refusal rolls back the request's transaction, record and all
        )
        # as the join wrote it, with its group as the seat's claim read it: paying changes
        # the intent, and the member only after commit (the outbox's PaymentSucceeded)
        return 201, as_json(MemberOut, member_out(member, started.redirect_url or ""))

    return idempotent(request, endpoint="groupbuy-join", payload=payload.model_dump(), action=act)


@router.get("/me/groups", response=list[MemberOut], auth=AUTH)
def my_groups(request):
    return [member_out(m) for m in selectors.memberships_of(request.auth)[:LIST_SIZE]]


@router.post("/merchant/campaigns", response={201: CampaignOut}, auth=AUTH)
def publish(request, payload: CampaignIn):
    """Publish a campaign at one of your stores (manager or owner of its merchant);
    `consolation_coupon`: a template of that merchant or of the platform (else 422)."""
    store = (
        Store.objects.filter(public_id=payload.store, merchant__kind=Organization.Kind.MERCHANT)
        .select_related("merchant")
        .first()
    )
    sku = Sku.objects.select_related("product").filter(public_id=payload.sku).first()
    if store is None or sku is None:
        raise NotFound(_("找不到该门店或商品。"))
    data = payload.model_dump(exclude={"store", "sku", "consolation_coupon"})
    data["consolation_coupon"] = services.consolation_template(payload.consolation_coupon)

    def act():
        c = services.publish_campaign(actor=request.auth, store=store, sku=sku, **data)
        return 201, as_json(CampaignOut, campaign_out(selectors.public_campaign(c.public_id)))

    body = payload.model_dump(mode="json")
    return idempotent(request, endpoint="groupbuy-publish", payload=body, action=act)


@router.get("/merchant/campaigns", response=list[CampaignOut], auth=AUTH)
def merchant_campaigns(request):
    return [campaign_out(c) for c in selectors.merchant_campaigns(request.auth)[:LIST_SIZE]]


@router.get("/merchant/campaigns/{campaign_id}/stats", response=StatsOut, auth=AUTH)
def stats(request, campaign_id: str):
    campaign = selectors.merchant_campaign(request.auth, campaign_id)
    return {
        **selectors.campaign_stats(campaign),
        "joins_per_minute": selectors.joins_over_time(campaign),
    }
