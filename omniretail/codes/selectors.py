"""Reads of the codes programme, scoped to the acting producer's staff."""

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.catalog.models import Sku
from omniretail.codes.models import CodeBatch, CodeScan
from omniretail.core.errors import NotFound


def producers_of(user) -> QuerySet[Organization]:
    return organizations_of(user, kinds=[Organization.Kind.PRODUCER])


def batches_for(user) -> QuerySet[CodeBatch]:
    qs = CodeBatch.objects.select_related("sku__product", "producer")
    if is_platform_operator(user):
        return qs
    return qs.filter(producer__in=producers_of(user))


def batch_for(user, public_id: str) -> CodeBatch:
    """Another producer's batch is reported as not found."""
    batch = batches_for(user).filter(public_id=public_id).first()
    if batch is None:
        raise NotFound(_("找不到该批次。"))
    return batch


def skus_of(producer: Organization) -> QuerySet[Sku]:
    return (
        Sku.objects.filter(product__owner=producer, product__status="approved", is_active=True)
        .select_related("product")
        .order_by("product__name", "code")
    )


def batch_stats(batch: CodeBatch) -> dict:
    scans = CodeScan.objects.filter(code__batch=batch)
    return {
        "claimed": batch.codes.filter(claimed_at__isnull=False).count(),
        "scans": scans.count(),
        "points_awarded": scans.aggregate(total=Sum("points"))["total"] or 0,
    }
