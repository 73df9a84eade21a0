"""A print file served as uvicorn serves it (omniretail.asgi): still sent part by part."""

import asyncio

import pytest

from omniretail.core.tests.test_asgi import asgi_request

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_print_sheet_leaves_part_by_part(producer_staff, make_batch):
    from omniretail.accounts import services as accounts

    batch = make_batch(quantity=60)
    token = accounts.issue_api_token(user=producer_staff, name="asgi")[1]
    auth = [(b"authorization", f"Bearer {token}".encode())]
    path = f"/api/codes/batches/{batch.public_id}/sheet.pdf"

    response = asyncio.run(asgi_request(path, auth))
    assert response["status"] == 200
    assert response["body"].startswith(b"%PDF") and b"/Count 2" in response["body"]
    assert response["parts"] > 2  # streamed, not read whole and sent as one body
