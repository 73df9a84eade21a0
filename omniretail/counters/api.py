"""/api/counters: thin routes over the counters services and selectors. Device routes
(/device/...) authenticate with the counter's credential (`Authorization: Counter ...`,
docs/counter-protocol.md); the rest with a user's token or session."""

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Router, Status, UploadedFile

from omniretail.accounts.auth import AUTH
from omniretail.core import uploads
from omniretail.core.api import idempotent
from omniretail.core.throttle import client_ip
from omniretail.counters import (
    ads,
    commands,
    device,
    leads,
    longpoll,
    repairs,
    selectors,
    services,
    snapshots,
    vending,
)
from omniretail.counters.models import Counter, Vend
from omniretail.counters.schemas import (
    AckIn,
    AckOut,
    AdCampaignForm,
    AdCampaignOut,
    AdCampaignPatch,
    AdvanceIn,
    BayIn,
    CheckInIn,
    CommandIn,
    CommandOut,
    CommandsOut,
    ContentIn,
    CounterIn,
    CounterOut,
    CounterShelfOut,
    CredentialOut,
    DeviceConfigOut,
    DeviceEventOut,
    DevicePurchaseIn,
    DevicePurchaseOut,
    EventIn,
    FlagClearIn,
    IssuedCredentialOut,
    LeadFilter,
    LeadIn,
    LeadOut,
    LeadUpdatedOut,
    MaintenanceIn,
    NearbyCounterOut,
    PurchaseIn,
    RepairIn,
    RestockIn,
    RestockOut,
    SnapshotOut,
    TaskDoneIn,
    TaskOut,
    TicketOut,
    UnlockCodeIn,
    UnlockCodeOut,
    VendOut,
    VendStartedOut,
)
from omniretail.inventory.selectors import sku_by_public_id
from omniretail.stores.selectors import store_for_actor

router = Router(tags=["counters"])
MAX_WAIT_S = 25


def counter_out(counter: Counter, *, with_shelf: bool = False) -> dict:
    out = {
        "code": counter.code,
        "id": counter.public_id,
        "name": counter.name,
        "site_name": counter.site_name,
        "address": counter.address,
        "lat": counter.lat,
        "lon": counter.lon,
        "store": counter.store.public_id,
        "store_name": counter.store.name,
        "status": counter.live_status,
        "flagged": counter.flagged_at is not None,
        "last_seen_at": counter.last_seen_at,
        "content": counter.content,
    }
    if with_shelf:
        out["bays"] = [
            {
                "bay": s.bay.number,
                "sku": s.bay.sku.public_id,
                "product": s.product.public_id,
                "name": s.product.name,
                "sku_name": s.bay.sku.name,
                "price": str(s.bay.sku.price),
                "available": s.available,
                "on_hand": s.on_hand,
                "par_level": s.bay.par_level,
                "capacity": s.bay.capacity,
                "test_ride": s.bay.test_ride,
            }
            for s in selectors.shelf(counter)
        ]
    return out


def vend_out(vend: Vend) -> dict:
    return {
        "id": vend.public_id,
        "counter": vend.counter.code,
        "bay": vend.bay.number,
        "quantity": vend.quantity,
        "status": vend.status,
        "authorise": vend.authorise,
        "order": vend.order.public_id,
        "order_number": vend.order.number,
        "order_status": vend.order.status,
        "taken": vend.taken,
        "refunded": str(vend.refunded),
    }


def task_out(task) -> dict:
    return {
        "id": task.public_id,
        "counter": task.counter.code,
        "kind": task.kind,
        "status": task.status,
        "details": task.details,
        "note": task.note,
        "created_at": task.created_at,
    }


def ticket_out(ticket, viewer=None) -> dict:
    """The pickup code only to the shopper: staff hand over on the code the shopper shows."""
    return {
        "id": ticket.public_id,
        "counter": ticket.counter.code,
        "vehicle_serial": ticket.vehicle_serial,
        "plate": ticket.plate,
        "fault": ticket.fault,
        "photos": [url for url in map(uploads.photo_url, ticket.photos) if url],
        "step": ticket.step,
        "model": ticket.product.public_id if ticket.product_id else None,
        "fault_kind": ticket.fault_kind,
        "drop_off_at": ticket.drop_off_at,
        "checked_in_at": ticket.checked_in_at,
        "return_to": ticket.return_to,
        "pickup_code": ticket.pickup_code if viewer and viewer.pk == ticket.shopper_id else "",
        "timeline": [{"step": s.step, "note": s.note, "at": s.at} for s in ticket.timeline.all()],
    }


# ---------------------------------------------------------------- device (counter credential)


def _device(request) -> Counter:
    return device.authenticate(request.headers.get("Authorization"))


@router.get("/device/config", response=DeviceConfigOut, auth=None)
def device_config(request):
    """What the device needs at start-up: its code, bays, the ledger's quantities, the
    last accepted sequence number (a device that lost its own continues above it) and when
    its credential stops working (the end of a rotation's overlap, else null)."""
    credential = device.credential_for(request.headers.get("Authorization"))
    counter = credential.counter
    return {
        **counter_out(counter, with_shelf=True),
        "last_seq": counter.last_seq,
        "credential": {
            "key_id": credential.key_id,
            "expires_at": int(credential.expires_at.timestamp()) if credential.expires_at else None,
        },
    }


@router.post("/device/events", response=DeviceEventOut, auth=None, exclude_none=True)
def device_event(request, payload: EventIn):
    counter = _device(request)
    return device.record_event(
        counter=counter, seq=payload.seq, kind=payload.kind, data=payload.data, at=payload.at
    )


@router.get("/device/commands", response=CommandsOut, auth=None)
async def device_commands(request, wait: int = 20):
    """Long-poll: answers as soon as a command is due, or with an empty list after `wait`
    seconds (at most 25)."""
    counter = await longpoll.fresh_connection(_device)(request)
    claimed = await longpoll.wait_for_commands(counter, max(0, min(wait, MAX_WAIT_S)))
    key_id = device.key_id_of(request.headers.get("Authorization"))
    return {"commands": [commands.wire(c, key_id=key_id) for c in claimed]}


@router.post("/device/commands/{command_id}/ack", response=AckOut, auth=None)
def device_ack(request, command_id: str, payload: AckIn):
    command = device.acknowledge(
        counter=_device(request),
        command_id=command_id,
        status=payload.status,
        reason=payload.reason,
    )
    return {"id": command.public_id, "status": command.status}


@router.post("/device/purchases", response={201: DevicePurchaseOut}, auth=None)
def device_purchase(request, payload: DevicePurchaseIn):
    """A purchase at the counter itself: the payer's payment code read by its scanner, or a
    QR for the payer to scan; the unlock command follows the payment (docs/counter-protocol.md)."""
    vend, answer = vending.start_unattended_purchase(
        counter=_device(request),
        bay_number=payload.bay,
        quantity=payload.quantity,
        provider=payload.provider,
        auth_code=payload.auth_code,
    )
    return Status(201, _purchase_out(vend, answer))


@router.get("/device/purchases/{vend_id}", response=DevicePurchaseOut, auth=None)
def device_purchase_state(request, vend_id: str):
    """Ask again while the payer confirms on the phone or has not scanned yet."""
    vend = vending.check_unattended(counter=_device(request), vend_id=vend_id)
    paid = vend.status != Vend.Status.AWAITING_PAYMENT
    return {"vend": vend.public_id, "status": vend.status, "payment": "paid" if paid else "pending"}


def _purchase_out(vend: Vend, answer) -> dict:
    vend.refresh_from_db()
    if getattr(answer, "next_action", "") == "show_qr":
        return {
            "vend": vend.public_id,
            "status": vend.status,
            "payment": "show_qr",
            "qr_code": answer.qr_code,
        }
    paid = answer.status == "paid"
    return {"vend": vend.public_id, "status": vend.status, "payment": "paid" if paid else "pending"}


@router.post("/device/unlock-code", response=UnlockCodeOut, auth=None)
def device_unlock_code(request, payload: UnlockCodeIn):
    vend = vending.unlock_with_code(
        counter=_device(request), code=payload.code, client_ip=client_ip(request)
    )
    return {"vend": vend.public_id, "status": vend.status}


def snapshot_out(snapshot) -> dict:
    code = snapshot.counter.code
    return {
        "id": snapshot.public_id,
        "counter": code,
        "seq": snapshot.event.seq,
        "kind": snapshot.event.kind,
        "taken_at": snapshot.taken_at,
        "vend": snapshot.vend.public_id if snapshot.vend_id else None,
        "ticket": snapshot.ticket.public_id if snapshot.ticket_id else None,
        "image_url": reverse("api:counter_snapshot_image", args=[code, snapshot.public_id]),
    }


@router.post(
    "/device/events/{seq}/snapshot", response={201: SnapshotOut, 200: SnapshotOut}, auth=None
)
def device_snapshot(request, seq: int, image: File[UploadedFile] = None):
    """multipart/form-data with one `image` file: the camera's JPEG for an event this counter
    sent (201); again for the same event: the stored one (200), nothing stored twice."""
    counter = _device(request)
    snapshot, created = snapshots.attach(
        counter=counter, seq=seq, files=uploads.photo_files(request, field=snapshots.FIELD)
    )
    return Status(201 if created else 200, snapshot_out(snapshot))


# ---------------------------------------------------------------- public and shopper


@router.get("/nearby", response=list[NearbyCounterOut], auth=None)
def nearby(request, lat: float, lon: float, radius_m: int = 10_000):
    return [
        {**counter_out(c), "distance_m": d}
        for c, d in repairs.nearest_counters(lat=lat, lon=lon, radius_m=radius_m)
    ]


@router.get("/vends/{vend_id}", response=VendOut, auth=AUTH)
def vend_detail(request, vend_id: str):
    return vend_out(selectors.vend_for_shopper(request.user, vend_id))


@router.post("/repairs", auth=AUTH, response={201: TicketOut})
def book_repair(request, payload: Form[RepairIn], photos: File[list[UploadedFile]] = None):
    """multipart/form-data: the ticket's fields and up to six `photos` files (JPEG, PNG or
    WebP; a link instead of a file is refused)."""
    with uploads.saved_photos(uploads.photo_files(request), folder="repairs") as names:
        ticket = repairs.book_repair(
            shopper=request.user,
            counter=selectors.public_counter(payload.counter),
            vehicle_serial=payload.vehicle_serial,
            plate=payload.plate,
            fault=payload.fault,
            photos=names,
            drop_off_at=payload.drop_off_at,
            product=repairs.repair_model(payload.model),
            fault_kind=payload.fault_kind,
        )
    return Status(201, ticket_out(ticket))


@router.get("/repairs/{ticket_id}", response=TicketOut, auth=AUTH)
def repair_detail(request, ticket_id: str):
    return ticket_out(selectors.repair_for_actor(request.user, ticket_id), request.user)


@router.post("/repairs/{ticket_id}/advance", response=TicketOut, auth=AUTH)
def advance_repair(request, ticket_id: str, payload: AdvanceIn):
    ticket = repairs.advance_repair(
        actor=request.user,
        ticket=selectors.repair_for_actor(request.user, ticket_id),
        step=payload.step,
        note=payload.note,
        return_to=payload.return_to,
        code=payload.code,
    )
    return ticket_out(ticket)


@router.post("/repairs/{ticket_id}/check-in", response=TicketOut, auth=AUTH)
def check_in_repair(request, ticket_id: str, payload: CheckInIn):
    """The shopper at the counter scans it; the counter's staff then confirm the drop-off."""
    ticket = repairs.check_in(
        shopper=request.user,
        ticket=selectors.repair_for_actor(request.user, ticket_id),
        scanned=payload.scanned,
    )
    return ticket_out(ticket, request.user)


# ---------------------------------------------------------------- staff


@router.get("/leads", response=list[LeadOut], auth=AUTH)
def lead_list(request, status: LeadFilter = ""):
    qs = leads.leads_for_actor(request.user)
    if status:
        qs = qs.filter(status=status)
    return [
        {
            "id": lead.public_id,
            "counter": lead.counter.code,
            "product": lead.product.public_id if lead.product else None,
            "product_name": lead.product.name if lead.product else "",
            "phone": lead.user.phone if lead.user else "",
            "status": lead.status,
            "note": lead.note,
            "scanned_at": lead.scanned_at,
            "order": lead.order.number if lead.order else None,
        }
        for lead in qs[:500]
    ]


@router.post("/leads/{lead_id}", response=LeadUpdatedOut, auth=AUTH)
def lead_follow_up(request, lead_id: str, payload: LeadIn):
    lead = leads.follow_up(
        actor=request.user, lead_id=lead_id, status=payload.status, note=payload.note
    )
    return {"id": lead.public_id, "status": lead.status, "note": lead.note}


@router.get("/tasks", response=list[TaskOut], auth=AUTH)
def task_list(request):
    return [task_out(t) for t in selectors.tasks_for_actor(request.user)[:500]]


@router.post("/tasks/{task_id}/done", response=TaskOut, auth=AUTH)
def task_done(request, task_id: str, payload: TaskDoneIn):
    task = services.complete_task(
        actor=request.user,
        task=selectors.task_for_actor(request.user, task_id),
        note=payload.note,
    )
    return task_out(task)


def campaign_out(campaign, now=None) -> dict:
    now = now or timezone.now()
    state = (
        "scheduled"
        if now < campaign.starts_at
        else ("running" if now < campaign.ends_at else "ended")
    )
    return {
        "id": campaign.public_id,
        "merchant": campaign.merchant.public_id,
        "name": campaign.name,
        "creative_url": ads.creative_url(campaign),
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "seconds": campaign.seconds,
        "counters": sorted(c.code for c in campaign.counters.all()),
        "regions": campaign.regions,
        "state": state,
        "impressions": campaign.impressions,
    }


@router.get("/ad-campaigns", response=list[AdCampaignOut], auth=AUTH)
def campaign_list(request):
    """The campaigns of the caller's merchants (all for the platform), newest start first."""
    now = timezone.now()
    return [campaign_out(c, now) for c in ads.campaigns_for_actor(request.user)[:500]]


@router.post("/ad-campaigns", response={201: AdCampaignOut}, auth=AUTH)
def campaign_create(request, payload: Form[AdCampaignForm], creative: File[UploadedFile] = None):
    """multipart/form-data: the fields and one `creative` image (JPEG, PNG or WebP)."""
    campaign = ads.create_campaign(
        actor=request.user,
        merchant=ads.campaign_merchant(request.user, payload.merchant),
        name=payload.name,
        creative_files=uploads.photo_files(request, "creative"),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        seconds=payload.seconds,
        counter_codes=payload.counters,
        regions=payload.regions,
    )
    return Status(201, campaign_out(ads.campaign_for_actor(request.user, campaign.public_id)))


@router.get("/ad-campaigns/{campaign_id}", response=AdCampaignOut, auth=AUTH)
def campaign_detail(request, campaign_id: str):
    return campaign_out(ads.campaign_for_actor(request.user, campaign_id))


@router.patch("/ad-campaigns/{campaign_id}", response=AdCampaignOut, auth=AUTH)
def campaign_update(request, campaign_id: str, payload: AdCampaignPatch):
    changes = payload.dict(exclude_unset=True)
    if "counters" in changes:
        changes["counter_codes"] = changes.pop("counters")
    campaign = ads.update_campaign(
        actor=request.user,
        campaign=ads.campaign_for_actor(request.user, campaign_id),
        **{k: v for k, v in changes.items() if v is not None},
    )
    return campaign_out(campaign)


@router.delete("/ad-campaigns/{campaign_id}", response={204: None}, auth=AUTH)
def campaign_delete(request, campaign_id: str):
    ads.delete_campaign(
        actor=request.user, campaign=ads.campaign_for_actor(request.user, campaign_id)
    )
    return Status(204, None)


@router.get("/", response=list[CounterOut], auth=AUTH)
def counter_list(request):
    return [counter_out(c) for c in selectors.counters_for_actor(request.user).order_by("code")]


@router.post("/", auth=AUTH, response={201: CounterShelfOut})
def register(request, payload: CounterIn):
    counter = services.register_counter(
        actor=request.user,
        store=store_for_actor(request.user, payload.store),
        code=payload.code,
        name=payload.name,
        site_name=payload.site_name,
        address=payload.address,
        lat=payload.lat,
        lon=payload.lon,
        content=payload.content,
    )
    return Status(201, counter_out(counter, with_shelf=True))


@router.get("/{code}", response=CounterShelfOut, auth=None)
def counter_detail(request, code: str):
    """Public: what the buy page shows (products, prices, stock)."""
    return counter_out(selectors.public_counter(code), with_shelf=True)


@router.post("/{code}/purchases", auth=AUTH, response={201: VendStartedOut})
def purchase(request, code: str, payload: PurchaseIn):
    counter = selectors.public_counter(code)

    def action():
        vend, started = vending.start_purchase(
            shopper=request.user,
            counter=counter,
            bay_number=payload.bay,
            quantity=payload.quantity,
            authorise=payload.authorise,
            provider=payload.provider,
        )
        vend.refresh_from_db()
        return 201, {**vend_out(vend), "redirect_url": started.redirect_url}

    return idempotent(
        request, endpoint="counters.purchase", payload=payload.dict() | {"c": code}, action=action
    )


@router.post("/{code}/bays", auth=AUTH, response={201: CounterShelfOut})
def add_bay(request, code: str, payload: BayIn):
    counter = selectors.counter_for_actor(request.user, code)
    services.add_bay(
        actor=request.user,
        counter=counter,
        number=payload.number,
        sku=sku_by_public_id(payload.sku),
        par_level=payload.par_level,
        capacity=payload.capacity,
        test_ride=payload.test_ride,
    )
    return Status(201, counter_out(counter, with_shelf=True))


def credential_out(credential) -> dict:
    return {
        "key_id": credential.key_id,
        "created_at": credential.created_at,
        "expires_at": credential.expires_at,
        "revoked_at": credential.revoked_at,
    }


@router.get("/{code}/credentials", response=list[CredentialOut], auth=AUTH)
def credential_list(request, code: str):
    """Every credential of the counter, newest first (never a token)."""
    counter = selectors.counter_for_actor(request.user, code)
    return [credential_out(c) for c in counter.credentials.order_by("-created_at", "-id")]


@router.post("/{code}/credentials", auth=AUTH, response={201: IssuedCredentialOut})
def issue_credential(request, code: str):
    """The token and command key are shown in this answer only; store them in the device.
    `replaces` lists the credentials that keep working until their `expires_at`."""
    counter = selectors.counter_for_actor(request.user, code)
    credential, token = services.issue_credential(actor=request.user, counter=counter)
    return Status(
        201,
        {
            "key_id": credential.key_id,
            "token": token,
            "command_key": services.command_key(credential.key_id).hex(),
            "overlap_s": settings.OMNI_COUNTER_ROTATION_OVERLAP_S,
            "replaces": [
                credential_out(c)
                for c in services.live_credentials(counter).exclude(pk=credential.pk)
            ],
        },
    )


@router.post("/{code}/credentials/{key_id}/revoke", response=CredentialOut, auth=AUTH)
def revoke_credential(request, code: str, key_id: str):
    counter = selectors.counter_for_actor(request.user, code)
    credential = services.revoke_credential(actor=request.user, counter=counter, key_id=key_id)
    return credential_out(credential)


@router.post("/{code}/content", response=CounterOut, auth=AUTH)
def set_content(request, code: str, payload: ContentIn):
    counter = selectors.counter_for_actor(request.user, code)
    counter = services.set_content(actor=request.user, counter=counter, content=payload.content)
    return counter_out(counter)


@router.post("/{code}/maintenance", response=CounterOut, auth=AUTH)
def maintenance(request, code: str, payload: MaintenanceIn):
    counter = selectors.counter_for_actor(request.user, code)
    return counter_out(services.set_maintenance(actor=request.user, counter=counter, on=payload.on))


@router.post("/{code}/flag/clear", response=CounterOut, auth=AUTH)
def clear_flag(request, code: str, payload: FlagClearIn):
    """Staff who have looked at a flagged counter clear the flag, saying why."""
    counter = selectors.counter_for_actor(request.user, code)
    return counter_out(
        services.clear_flag(actor=request.user, counter=counter, reason=payload.reason)
    )


@router.post("/{code}/commands", auth=AUTH, response={201: CommandOut})
def send_command(request, code: str, payload: CommandIn):
    counter = selectors.counter_for_actor(request.user, code)
    command = commands.send_ops_command(counter=counter, kind=payload.kind)
    return Status(201, {"id": command.public_id, "kind": command.kind, "status": command.status})


@router.post("/{code}/restock", auth=AUTH, response={201: RestockOut})
def restock(request, code: str, payload: RestockIn):
    counter = selectors.counter_for_actor(request.user, code)

    def action():
        transfers = services.restock(
            actor=request.user, counter=counter, lines=[line.dict() for line in payload.lines]
        )
        return 201, {"transfers": [t.public_id for t in transfers]}

    return idempotent(
        request, endpoint="counters.restock", payload=payload.dict() | {"c": code}, action=action
    )


@router.get("/{code}/snapshots", response=list[SnapshotOut], auth=AUTH)
def snapshot_list(request, code: str):
    """The counter's newest camera snapshots (50), for its merchant's staff and the platform."""
    counter = selectors.counter_for_actor(request.user, code)
    return [snapshot_out(s) for s in snapshots.for_counter(counter)]


JPEG = {"type": "string", "format": "binary"}


@router.get(
    "/{code}/snapshots/{snapshot_id}/image",
    auth=AUTH,
    url_name="counter_snapshot_image",
    openapi_extra={
        "responses": {
            200: {"description": "the snapshot", "content": {"image/jpeg": {"schema": JPEG}}}
        }
    },
)
def snapshot_image(request, code: str, snapshot_id: str):
    counter = selectors.counter_for_actor(request.user, code)
    response = FileResponse(snapshots.image_of(counter, snapshot_id), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"  # personal data: never in a shared cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/{code}/tasks", response=list[TaskOut], auth=AUTH)
def counter_tasks(request, code: str):
    counter = selectors.counter_for_actor(request.user, code)
    return [task_out(t) for t in selectors.tasks_for_actor(request.user, counter=counter)]
