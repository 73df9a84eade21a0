"""A producer orders a batch; the background job makes every code, unique and signed, and
the print files carry them all."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts.models import Membership
from omniretail.codes import exports, services, tokens
from omniretail.codes.models import CodeBatch, PackagingCode
from omniretail.conftest import make_staff
from omniretail.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_an_ordered_batch_is_generated_with_unique_signed_serials(make_batch):
    batch = make_batch(quantity=120)

    assert batch.status == CodeBatch.Status.READY
    assert (batch.generated, batch.percent) == (120, 100)
    codes = list(batch.codes.order_by("serial").values_list("serial", "token"))
    assert [s for s, _t in codes] == list(range(1, 121))
    assert len({t for _s, t in codes}) == 120
    assert all(tokens.is_genuine(t) for _s, t in codes)


def test_generation_resumes_where_a_lost_job_stopped_and_never_doubles(make_batch, monkeypatch):
    monkeypatch.setattr(
        services,
        "_generate_task",
        lambda: type("T", (), {"enqueue": staticmethod(lambda batch_id: None)}),
    )
    batch = make_batch(quantity=25)
    assert batch.generated == 0 and batch.status == CodeBatch.Status.QUEUED

    assert services.generate_batch(batch_id=batch.pk, chunk=10) == 25
    assert services.generate_batch(batch_id=batch.pk, chunk=10) == 0
    batch.refresh_from_db()
    assert (batch.generated, batch.status) == (25, CodeBatch.Status.READY)
    assert PackagingCode.objects.filter(batch=batch).count() == 25


def test_a_forged_token_is_refused_without_touching_the_database(token, django_assert_num_queries):
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with django_assert_num_queries(0):
        with pytest.raises(services.InvalidCode):
            services.code_for_token(forged)
        with pytest.raises(services.InvalidCode):
            services.code_for_token("not-a-code")


def test_another_producers_sku_cannot_be_ordered(producer_staff, producer, approved_product):
    from omniretail.accounts import services as accounts

    rival = accounts.create_organization(kind="producer", name="别家", code="rival")
    rival_staff = make_staff(rival, "rival-maker", Membership.Role.OWNER)
    sku = approved_product()
    with pytest.raises(NotFound):
        services.order_batch(actor=rival_staff, producer=rival, sku=sku, quantity=5)
    assert not CodeBatch.objects.exists()


@pytest.mark.parametrize("quantity", [0, -3, 200_001, "10", 2.5])
def test_a_batch_size_out_of_range_is_refused(producer, producer_staff, sku, quantity):
    with pytest.raises(ValidationFailed):
        services.order_batch(actor=producer_staff, producer=producer, sku=sku, quantity=quantity)
    assert not CodeBatch.objects.exists()


def test_the_csv_lists_every_serial_with_its_scan_url(make_batch, settings):
    settings.OMNI_PUBLIC_BASE_URL = "https://shop.example"
    batch = make_batch(quantity=7)
    rows = list(csv.reader(io.StringIO("".join(exports.csv_rows(batch)))))
    assert rows[0] == ["serial", "url"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 8)]
    assert all(re.fullmatch(r"https://shop\.example/q/[A-Za-z0-9_-]{28}/", r[1]) for r in rows[1:])


def test_the_pdf_sheet_has_an_a4_page_per_54_codes(make_batch):
    batch = make_batch(quantity=60)
    pdf = b"".join(exports.pdf_bytes(batch))
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/Count 2" in pdf
    assert pdf.count(b"/MediaBox [0 0 595.28 841.89]") == 2
    offset = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[offset:].startswith(b"xref")


def test_an_svg_page_draws_each_code_with_its_serial(make_batch):
    batch = make_batch(quantity=60)
    second = exports.svg_page(batch, 2)
    assert second.count("<path") == 6
    assert "No.000055" in second and "No.000060" in second


def test_the_housekeeping_sweep_finishes_a_batch_whose_job_was_lost(make_batch, monkeypatch):
    held = type("Held", (), {"enqueue": staticmethod(lambda batch_id: None)})
    monkeypatch.setattr(services, "_generate_task", lambda: held)
    batch = make_batch(quantity=30)
    assert services.resume_unfinished_batches() == 0  # just queued: its job may still come

    CodeBatch.objects.filter(pk=batch.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert services.resume_unfinished_batches() == 30
    batch.refresh_from_db()
    assert (batch.generated, batch.status) == (30, CodeBatch.Status.READY)
