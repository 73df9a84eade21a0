"""/api/codes: producers order batches and download their print files; members claim a
scanned code's points. Writes take an `Idempotency-Key`."""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.auth import AUTH
from omniretail.accounts.selectors import organization_for_user
from omniretail.catalog.models import Sku
from omniretail.codes import exports, points, selectors, services
from omniretail.codes.models import CodeBatch
from omniretail.codes.schemas import BatchIn, BatchOut, ScanIn, ScanOut
from omniretail.core.api import as_json, idempotent
from omniretail.core.errors import Conflict, NotFound, field_error

router = Router(tags=["codes"], auth=AUTH)


def _file(media_type: str, description: str, schema: dict) -> dict:
    """A download's 200 in the document: its media type, not JSON."""
    return {
        "responses": {
            200: {"description": description, "content": {media_type: {"schema": schema}}}
        }
    }


TEXT, BINARY = {"type": "string"}, {"type": "string", "format": "binary"}
LIST_SIZE = 200


def batch_out(batch: CodeBatch) -> dict:
    base = f"/api/codes/batches/{batch.public_id}"
    return {
        "id": batch.public_id,
        "producer": batch.producer.public_id,
        "sku": batch.sku.public_id,
        "product_name": batch.sku.product.name,
        "quantity": batch.quantity,
        "generated": batch.generated,
        "percent": batch.percent,
        "status": batch.status,
        "points_per_scan": batch.points_per_scan,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
        "downloads": {
            "csv": f"{base}/codes.csv",
            "pdf": f"{base}/sheet.pdf",
            "svg": f"{base}/sheet.svg?page=1",
        },
    }


def _producer(request, public_id: str | None):
    if public_id:
        return organization_for_user(request.auth, public_id)
    mine = list(selectors.producers_of(request.auth)[:2])
    if len(mine) != 1:
        raise field_error("producer", _("请指定生产商。"))
    return mine[0]


@router.post("/batches", response={201: BatchOut})
def order_batch(request, payload: BatchIn):
    """Order a batch of codes for one of your SKUs; generation runs in the background
    (poll the batch for `generated` / `percent`)."""

    def act():
        producer = _producer(request, payload.producer)
        sku = Sku.objects.select_related("product").filter(public_id=payload.sku).first()
        batch = services.order_batch(
            actor=request.auth,
            producer=producer,
            sku=sku,
            quantity=payload.quantity,
            points_per_scan=payload.points_per_scan,
        )
        batch.refresh_from_db()
        return 201, as_json(BatchOut, batch_out(batch))

    return idempotent(request, endpoint="codes.batch", payload=payload.model_dump(), action=act)


@router.get("/batches", response=list[BatchOut])
def list_batches(request):
    return [batch_out(b) for b in selectors.batches_for(request.auth)[:LIST_SIZE]]


@router.get("/batches/{public_id}", response=BatchOut)
def get_batch(request, public_id: str):
    return batch_out(selectors.batch_for(request.auth, public_id))


def _ready(request, public_id: str) -> CodeBatch:
    batch = selectors.batch_for(request.auth, public_id)
    if batch.status != CodeBatch.Status.READY:
        raise Conflict(_("批次仍在生成中，完成后才能下载。"), code="batch_not_ready")
    return batch


_DONE = object()


async def _one_at_a_time(parts: Iterator) -> AsyncIterator:
    """Under ASGI a plain iterator would be read whole before the first byte leaves (a
    100,000-code PDF takes minutes): hand it over part by part instead."""
    while (part := await sync_to_async(next)(parts, _DONE)) is not _DONE:
        yield part


def _download(request, parts: Iterator, content_type: str, filename: str):
    if isinstance(request, ASGIRequest):
        parts = _one_at_a_time(parts)
    response = StreamingHttpResponse(parts, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/batches/{public_id}/codes.csv",
    openapi_extra=_file("text/csv", "one row per code: serial and scan link", TEXT),
)
def batch_csv(request, public_id: str):
    batch = _ready(request, public_id)
    return _download(request, exports.csv_rows(batch), "text/csv", f"codes-{batch.public_id}.csv")


@router.get(
    "/batches/{public_id}/sheet.pdf",
    openapi_extra=_file("application/pdf", "the printable label sheets", BINARY),
)
def batch_pdf(request, public_id: str):
    batch = _ready(request, public_id)
    return _download(
        request, exports.pdf_bytes(batch), "application/pdf", f"codes-{batch.public_id}.pdf"
    )


@router.get(
    "/batches/{public_id}/sheet.svg",
    openapi_extra=_file("image/svg+xml", "one page of label sheets", TEXT),
)
def batch_svg(request, public_id: str, page: int = 1):
    batch = _ready(request, public_id)
    if not 1 <= page <= exports.page_count(batch):
        raise NotFound(_("没有这一页。"), fields={"page": f"1-{exports.page_count(batch)}"})
    return HttpResponse(exports.svg_page(batch, page), content_type="image/svg+xml")


@router.post("/scans", response={201: ScanOut})
def scan(request, payload: ScanIn):
    """Claim the points of a scanned packaging code. A forged code is a 404 `invalid_code`;
    a code already claimed is a 409 `already_claimed` and awards nothing."""

    def act():
        row = services.claim_code(
            user=request.auth,
            token=payload.token,
            ip=request.META.get("REMOTE_ADDR"),
            lat=payload.lat,
            lon=payload.lon,
            user_agent=request.headers.get("User-Agent", ""),
        )
        product = row.code.batch.sku.product
        return 201, as_json(
            ScanOut,
            {
                "product": product.public_id,
                "product_name": product.name,
                "points_awarded": row.points,
                "balance": points.balance(request.auth),
                "scanned_at": row.created_at,
            },
        )

    return idempotent(request, endpoint="codes.scan", payload=payload.model_dump(), action=act)
