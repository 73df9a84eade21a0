"""Photos in object storage (docs/operations.md "Object storage"): with OMNI_S3_* set, a real
PNG a shopper attaches on the after-sales page lands in the bucket of a real S3-protocol
server (moto in server mode: the one `make test` starts at OMNI_TEST_S3_ENDPOINT_URL, else
one started here on a loopback port), and the merchant's page links to the storage's own
URL, which serves the image back."""

import html
import io
import os
import re
import urllib.request
import uuid

import boto3
import pytest
from PIL import Image

import omniretail.settings as project_settings
from omniretail.orders.models import AfterSalesRequest
from omniretail.testing.images import photo
from omniretail.web.tests.factories import pay_from_wallet, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def s3_endpoint():
    if endpoint := os.environ.get("OMNI_TEST_S3_ENDPOINT_URL"):
        yield endpoint
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh bucket, and the default storage the settings build from OMNI_S3_*."""
    name = f"omni-photos-{uuid.uuid4().hex[:12]}"
    for variable, value in {
        "BUCKET": name,
        "ENDPOINT_URL": s3_endpoint,
        "ACCESS_KEY_ID": "omni-test",
        "SECRET_ACCESS_KEY": "omni-test-secret",
        "REGION": "us-east-1",  # no style: path, on an address
    }.items():
        monkeypatch.setenv(f"OMNI_S3_{variable}", value)
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._object_storage()}
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="omni-test",
        aws_secret_access_key="omni-test-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    return client, name


def test_a_png_attached_on_a_page_lands_in_the_bucket_and_is_served_back_from_it(
    client, commerce, merchant_staff, bucket, s3_endpoint, django_capture_on_commit_callbacks
):
    s3, name = bucket
    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    pay_from_wallet(order, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)

    response = client.post(
        f"/orders/{order.public_id}/after-sales/",
        {
            "kind": "refund_only",
            "reason": "茶叶罐凹陷",
            f"line_{order.lines.get().public_id}": "1",
            "photos": photo("PNG", "凹陷.png", size=(80, 60)),
        },
    )

    assert response.status_code == 302, response.content.decode()[:500]
    (stored,) = AfterSalesRequest.objects.get().photos
    listed = s3.list_objects_v2(Bucket=name)["Contents"]
    assert [o["Key"] for o in listed] == [stored]  # in the bucket, not on the local disk
    in_bucket = s3.get_object(Bucket=name, Key=stored)
    assert in_bucket["ContentType"] == "image/png"
    data = in_bucket["Body"].read()

    client.force_login(merchant_staff)
    page = client.get(f"/merchant/orders/{order.public_id}/").content.decode()
    src = html.unescape(re.search(r'<img src="([^"]+)"[^>]*after-sales-photo', page).group(1))
    assert src.startswith(f"{s3_endpoint}/{name}/{stored}?")  # the storage's own, signed link

    with urllib.request.urlopen(src, timeout=30) as served:
        assert served.headers["Content-Type"] == "image/png"
        body = served.read()
    assert body == data
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and image.size == (80, 60)
