"""Pages and API answers travel compressed to clients that accept it (issue 22: HTML was sent
uncompressed), and stay readable to those that do not."""

import gzip

import pytest

pytestmark = pytest.mark.django_db


def test_a_page_is_gzipped_for_a_client_that_accepts_it_and_plain_otherwise(client):
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.status_code == 200
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    html = gzip.decompress(zipped.content).decode()
    assert "<html" in html
    plain = client.get("/")
    assert "Content-Encoding" not in plain and "<html" in plain.content.decode()
    assert len(zipped.content) < len(plain.content) / 2


def test_the_openapi_document_is_gzipped(client):
    answer = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert answer["Content-Encoding"] == "gzip"
    assert b'"openapi"' in gzip.decompress(answer.content)
