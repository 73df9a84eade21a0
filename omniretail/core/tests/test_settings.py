import pytest
from django.conf import settings
from django.db import connection


def test_defaults_are_chinese_shanghai_and_a_generated_key():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    key_file = settings.DATA_DIR / "secret_key"
    assert not key_file.exists() or key_file.read_text().strip() == settings.SECRET_KEY
    assert len(settings.SECRET_KEY) >= 50


@pytest.mark.sqlite
@pytest.mark.django_db
def test_sqlite_waits_for_writers_in_wal_mode():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    if connection.settings_dict["TEST"].get("NAME"):  # a file database, as in production
        assert mode == "wal"


@pytest.mark.django_db
def test_nul_bytes_are_a_clear_400_not_a_database_error(client):
    api = client.get("/api/catalog/products", {"q": "面\x00膜"})
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid_characters"
    body = client.post(
        "/api/auth/otp/request", '{"phone": "138\\u0000"}', content_type="application/json"
    )
    assert body.status_code == 400
    assert client.get("/search/", {"q": "\x00"}).status_code == 400
