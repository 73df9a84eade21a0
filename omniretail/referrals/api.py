"""/api/referrals: share a product, record a click, see one's earnings, reseller status,
statements and payouts; for a merchant's managers, the programme's rules and the payout
review. Writes take an `Idempotency-Key`."""

from ninja import Router

from omniretail.accounts.auth import AUTH
from omniretail.catalog.selectors import public_product
from omniretail.core.api import as_json, idempotent
from omniretail.referrals import links, payouts, selectors, services
from omniretail.referrals.models import Attribution, PayoutRequest, ReferralProgramme, Reseller
from omniretail.referrals.schemas import (
    EarningOut,
    LinkOut,
    PayoutDecisionIn,
    PayoutIn,
    PayoutOut,
    ProductRateIn,
    ProductRateOut,
    ProgrammeIn,
    ProgrammeOut,
    ResellerOut,
    ShareIn,
    ShareOut,
    StatementOut,
    SummaryOut,
    VisitIn,
    VisitOut,
)

router = Router(tags=["referrals"], auth=AUTH)
LIST_SIZE = 200


def earning_out(row: Attribution) -> dict:
    return {
        "id": row.public_id,
        "kind": row.kind,
        "status": row.status,
        "form": row.form,
        "merchant": row.merchant.name,
        "product": row.product.public_id,
        "product_name": row.product.name,
        "order_number": row.order.number,
        "base": str(row.base),
        "kept_base": str(row.kept_base),
        "rate": str(row.rate),
        "month_rank": row.month_rank,
        "amount": str(row.amount),
        "points": row.points,
        "clawed_back": str(row.clawed_back),
        "created_at": row.created_at,
        "credited_at": row.credited_at,
    }


def reseller_out(reseller: Reseller) -> dict:
    state = selectors.commission_status(reseller)
    return {
        "id": reseller.public_id,
        "merchant": reseller.merchant.public_id,
        "merchant_name": reseller.merchant.name,
        "granted_at": reseller.granted_at,
        "reward_amount": str(reseller.reward_amount),
        "frozen": str(state["frozen"]),
        "withdrawable": str(state["withdrawable"]),
        "requested": str(state["requested"]),
        "next_release": state["next_release"],
        "month_orders": state["month_orders"],
        "next_rate": str(state["next_rate"]),
        "payout_minimum": str(state["payout_minimum"]),
        "tiers": state["tiers"],
    }


def payout_out(payout: PayoutRequest) -> dict:
    user = payout.reseller.user
    return {
        "id": payout.public_id,
        "reseller": payout.reseller.public_id,
        "reseller_name": user.display_name or user.username,
        "amount": str(payout.amount),
        "status": payout.status,
        "reason": payout.reason,
        "created_at": payout.created_at,
        "decided_at": payout.decided_at,
    }


def programme_out(programme: ReferralProgramme) -> dict:
    return {
        "merchant": programme.merchant.public_id,
        "is_active": programme.is_active,
        "rebate_rate": str(programme.rebate_rate),
        "rebate_form": programme.rebate_form,
        "attribution_days": programme.attribution_days,
        "reseller_threshold": programme.reseller_threshold,
        "tiers": programme.tiers,
        "payout_minimum": str(programme.payout_minimum),
        "freeze_days": programme.freeze_days,
        "product_rates": [
            {"product": r.product.public_id, "product_name": r.product.name, "rate": str(r.rate)}
            for r in selectors.product_rates(programme)
        ],
    }


# ------------------------------------------------------------------ shoppers


@router.post("/links", response={201: ShareOut})
def share(request, payload: ShareIn):
    """Share a product: your private signed link, and the share points (once a day per
    product). Send an `Idempotency-Key`."""
    product = public_product(payload.product)

    def act():
        link, points = services.share_product(sharer=request.auth, product=product)
        token = links.token_for(link.public_id)
        return 201, {
            "token": token,
            "url": links.share_url(token),
            "product": product.public_id,
            "points_awarded": points,
        }

    return idempotent(request, endpoint="share", payload=payload.model_dump(), action=act)


@router.post("/visits", response={201: VisitOut})
def visit(request, payload: VisitIn):
    """Record that you opened a share link (apps call this; the web page does it itself).
    A forged or altered token is a 422, your own link a 409."""

    def act():
        row = services.record_visit(token=payload.token, visitor=request.auth)
        product = row.link.product
        body = {"product": product.public_id, "product_name": product.name}
        return 201, as_json(VisitOut, {**body, "visited_at": row.visited_at})

    return idempotent(request, endpoint="visit", payload=payload.model_dump(), action=act)


@router.get("/me/links", response=list[LinkOut])
def my_links(request):
    rows = []
    for link in selectors.links_of(request.auth)[:LIST_SIZE]:
        token = links.token_for(link.public_id)
        rows.append(
            {
                "token": token,
                "url": links.share_url(token),
                "product": link.product.public_id,
                "product_name": link.product.name,
                "clicks": link.clicks,
                "sales": link.sales,
                "created_at": link.created_at,
            }
        )
    return rows


@router.get("/me/summary", response=SummaryOut)
def my_summary(request):
    return {
        k: v if isinstance(v, int) else str(v)
        for k, v in selectors.summary_of(request.auth).items()
    }


@router.get("/me/earnings", response=list[EarningOut])
def my_earnings(request, kind: str | None = None):
    return [earning_out(r) for r in selectors.earnings_of(request.auth, kind=kind)[:LIST_SIZE]]


@router.get("/me/resellers", response=list[ResellerOut])
def my_reseller_rights(request):
    return [reseller_out(r) for r in selectors.resellers_of(request.auth)]


@router.get("/me/resellers/{reseller_id}/statements", response=list[StatementOut])
def my_statements(request, reseller_id: str):
    reseller = selectors.reseller_of(request.auth, reseller_id)
    return [
        {k: v if k in ("month", "orders") else str(v) for k, v in row.items()}
        for row in selectors.statements(reseller)
    ]


@router.get("/me/resellers/{reseller_id}/payouts", response=list[PayoutOut])
def my_payouts(request, reseller_id: str):
    reseller = selectors.reseller_of(request.auth, reseller_id)
    return [payout_out(p) for p in selectors.payouts_of(reseller)[:LIST_SIZE]]


@router.post("/me/resellers/{reseller_id}/payouts", response={201: PayoutOut})
def request_payout(request, reseller_id: str, payload: PayoutIn):
    """Withdraw commission: at least the merchant's minimum, at most what is withdrawable
    (frozen commission is not). Send an `Idempotency-Key`."""
    reseller = selectors.reseller_of(request.auth, reseller_id)

    def act():
        payout = payouts.request_payout(user=request.auth, reseller=reseller, amount=payload.amount)
        return 201, as_json(PayoutOut, payout_out(payout))

    return idempotent(
        request, endpoint=f"payout:{reseller_id}", payload=payload.model_dump(), action=act
    )


# ------------------------------------------------------------------ merchant managers


@router.get("/merchants/{merchant_id}/programme", response=ProgrammeOut)
def programme(request, merchant_id: str):
    merchant = selectors.merchant_for_staff(request.auth, merchant_id)
    return programme_out(selectors.programme_for_staff(request.auth, merchant))


@router.put("/merchants/{merchant_id}/programme", response=ProgrammeOut)
def configure(request, merchant_id: str, payload: ProgrammeIn):
    """Change the rules (fields left out stay). Rates are fractions: "0.0300" is 3 %."""
    merchant = selectors.merchant_for_staff(request.auth, merchant_id)
    changes = payload.model_dump(exclude_none=True)

    def act():
        saved = services.configure_programme(staff=request.auth, merchant=merchant, **changes)
        return 200, as_json(ProgrammeOut, programme_out(saved))

    return idempotent(
        request, endpoint=f"programme:{merchant_id}", payload=payload.model_dump(), action=act
    )


@router.put("/merchants/{merchant_id}/products/{product_id}/rate", response=ProductRateOut)
def product_rate(request, merchant_id: str, product_id: str, payload: ProductRateIn):
    merchant = selectors.merchant_for_staff(request.auth, merchant_id)
    product = public_product(product_id)

    def act():
        rate = services.set_product_rate(
            staff=request.auth, merchant=merchant, product=product, rate=payload.rate
        )
        programme_rate = rate if rate is not None else selectors.programme_of(merchant).rebate_rate
        return 200, {
            "product": product.public_id,
            "product_name": product.name,
            "rate": str(programme_rate),
        }

    return idempotent(
        request,
        endpoint=f"rate:{merchant_id}:{product_id}",
        payload=payload.model_dump(),
        action=act,
    )


@router.get("/merchants/{merchant_id}/payouts", response=list[PayoutOut])
def merchant_payouts(request, merchant_id: str, status: str | None = None):
    merchant = selectors.merchant_for_staff(request.auth, merchant_id)
    rows = selectors.payouts_for_staff(request.auth, merchant, status=status)
    return [payout_out(p) for p in rows[:LIST_SIZE]]


@router.post("/payouts/{payout_id}/decision", response=PayoutOut)
def decide(request, payout_id: str, payload: PayoutDecisionIn):
    """Approve (paid out) or reject with a reason (back to the reseller). Decided once."""
    payout = selectors.payout_for_staff(request.auth, payout_id)

    def act():
        decided = payouts.decide_payout(
            staff=request.auth, payout=payout, approve=payload.approve, reason=payload.reason
        )
        return 200, as_json(PayoutOut, payout_out(decided))

    return idempotent(
        request, endpoint=f"payout-decision:{payout_id}", payload=payload.model_dump(), action=act
    )
