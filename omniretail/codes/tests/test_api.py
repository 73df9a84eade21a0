"""/api/codes as a producer's system and a member's phone use it."""

import pytest

from omniretail.codes.models import CodeBatch, CodeScan

pytestmark = pytest.mark.django_db


def test_a_producer_orders_a_batch_and_downloads_its_files(api_client, producer_staff, sku):
    client = api_client(producer_staff)
    created = client.post(
        "/api/codes/batches",
        {"sku": sku.public_id, "quantity": 12, "points_per_scan": 20},
        headers={"Idempotency-Key": "batch-1"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    again = client.post(
        "/api/codes/batches",
        {"sku": sku.public_id, "quantity": 12, "points_per_scan": 20},
        headers={"Idempotency-Key": "batch-1"},
    )
    assert again.json()["id"] == body["id"] and CodeBatch.objects.count() == 1

    progress = client.get(f"/api/codes/batches/{body['id']}").json()
    assert (progress["generated"], progress["percent"], progress["status"]) == (12, 100, "ready")
    csv = client.get(body["downloads"]["csv"])
    assert csv.status_code == 200 and len(b"".join(csv.streaming_content).splitlines()) == 13
    pdf = client.get(body["downloads"]["pdf"])
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get(body["downloads"]["svg"])["Content-Type"] == "image/svg+xml"


def test_another_producers_batch_is_not_found(api_client, make_batch, region):
    from omniretail.accounts import services as accounts
    from omniretail.conftest import make_staff

    batch = make_batch(quantity=2)
    rival = accounts.create_organization(kind="producer", name="别家", code="rival")
    client = api_client(make_staff(rival, "rival-maker"))
    assert client.get(f"/api/codes/batches/{batch.public_id}").status_code == 404
    assert client.get(f"/api/codes/batches/{batch.public_id}/codes.csv").status_code == 404
    assert client.get("/api/codes/batches").json() == []


def test_a_member_claims_a_scan_once_and_a_reuse_is_a_409(api_client, shopper, token):
    client = api_client(shopper)
    first = client.post("/api/codes/scans", {"token": token, "lat": 30.25, "lon": 120.16})
    assert first.status_code == 201, first.json()
    assert (first.json()["points_awarded"], first.json()["balance"]) == (10, 10)

    reused = client.post("/api/codes/scans", {"token": token})
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "already_claimed"
    assert client.post("/api/codes/scans", {"token": "A" * 24}).json()["error"]["code"] == (
        "invalid_code"
    )
    assert CodeScan.objects.filter(outcome="awarded").count() == 1
    assert CodeScan.objects.filter(outcome="already_claimed").count() == 1


def test_scanning_needs_a_logged_in_member(api_client, token):
    assert api_client().post("/api/codes/scans", {"token": token}).status_code == 401


def test_under_asgi_the_print_files_stream_part_by_part(producer_staff, make_batch):
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    from omniretail.accounts import services as accounts

    batch = make_batch(quantity=60)
    token = accounts.issue_api_token(user=producer_staff, name="asgi")[1]
    client = AsyncClient()

    async def fetch(path):
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.is_async  # not read whole before the first byte leaves
        return response, b"".join([part async for part in response.streaming_content])

    base = f"/api/codes/batches/{batch.public_id}"
    pdf_response, pdf = async_to_sync(fetch)(f"{base}/sheet.pdf")
    assert pdf_response.status_code == 200 and pdf.startswith(b"%PDF") and b"/Count 2" in pdf
    _csv_response, csv = async_to_sync(fetch)(f"{base}/codes.csv")
    assert len(csv.splitlines()) == 61
