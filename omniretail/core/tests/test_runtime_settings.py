"""Start-up settings for shared state and storage (docs/operations.md "Redis", "Object
storage"): a missing or malformed REDIS_URL, DATABASE_URL or OMNI_S3_* value stops
`omniretail` with one line naming the variable, before any request is served; a complete
object storage setting becomes the S3 storage, and the page policy lets its photos show."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

S3 = {
    "OMNI_S3_BUCKET": "omni-photos",
    "OMNI_S3_ENDPOINT_URL": "https://s3.oss-cn-hangzhou.aliyuncs.com",
    "OMNI_S3_ACCESS_KEY_ID": "LTAI5tOmniTestKey",
    "OMNI_S3_SECRET_ACCESS_KEY": "omni-test-secret",
}


def run(tmp_path, args, **env) -> subprocess.CompletedProcess:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OMNI_", "DEBUG", "REDIS_URL", "DATABASE_"))
    }
    environ = {
        **inherited,
        "OMNI_DATA_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "omniretail.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"),  # no scheme
        ({"REDIS_URL": "redis://127.0.0.1:63 79/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/zero"}, "REDIS_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL"),
        ({"DATABASE_URL": "postgres://omni@127.0.0.1:port/omniretail"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://omni@127.0.0.1/omniretail"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://omni@127.0.0.1:5432/"}, "DATABASE_URL"),
        ({"DATABASE_URL": "数据库"}, "DATABASE_URL"),
        (  # a read replica of SQLite
            {"DATABASE_REPLICA_URL": "postgres://omni@10.0.0.6:5432/omniretail"},
            "DATABASE_REPLICA_URL",
        ),
        (
            {
                "DATABASE_URL": "postgres://omni@127.0.0.1:5432/omniretail",
                "DATABASE_REPLICA_URL": "sqlite:////tmp/omniretail.sqlite3",
            },
            "DATABASE_REPLICA_URL",
        ),
        (
            {
                "DATABASE_URL": "postgres://omni@127.0.0.1:5432/omniretail",
                "DATABASE_REPLICA_URL": "postgres://omni@10.0.0.6:54 32/omniretail",
            },
            "DATABASE_REPLICA_URL",
        ),
        ({"OMNI_S3_BUCKET": "omni-photos"}, "OMNI_S3_ENDPOINT_URL"),
        ({**S3, "OMNI_S3_ACCESS_KEY_ID": ""}, "OMNI_S3_ACCESS_KEY_ID"),
        ({**S3, "OMNI_S3_SECRET_ACCESS_KEY": " "}, "OMNI_S3_SECRET_ACCESS_KEY"),
        ({**S3, "OMNI_S3_ENDPOINT_URL": "s3.oss-cn-hangzhou.aliyuncs.com"}, "OMNI_S3_ENDPOINT_URL"),
        ({**S3, "OMNI_S3_ADDRESSING_STYLE": "virtul"}, "OMNI_S3_ADDRESSING_STYLE"),
        ({**S3, "OMNI_S3_CUSTOM_DOMAIN": "https://img.example.cn"}, "OMNI_S3_CUSTOM_DOMAIN"),
        ({**S3, "OMNI_S3_BUCKET": ""}, "OMNI_S3_BUCKET"),  # keys without a bucket
        ({"OMNI_EVENTS_DELIVERY": "queue"}, "OMNI_EVENTS_DELIVERY"),
        ({"OMNI_EVENTS_INLINE": "1"}, "OMNI_EVENTS_DELIVERY"),  # the former switch
    ],
)
def test_a_malformed_setting_stops_the_start_with_one_line_naming_it(tmp_path, env, named):
    done = run(tmp_path, ["-m", "omniretail.cli", "check"], **env)

    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("omniretail: ") and named in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    for secret in ("omni-test-secret", "LTAI5tOmniTestKey"):
        assert secret not in done.stderr  # a key is never echoed to a log


PRINT = """
import django, json
django.setup()
from django.conf import settings as s
storage = dict(s.STORAGES["default"], OPTIONS=dict(s.STORAGES["default"].get("OPTIONS", {})))
config = storage["OPTIONS"].pop("client_config", None)
if config is not None:
    storage["config"] = {
        "s3": config.s3,
        "signature_version": config.signature_version,
        "checksums": config.request_checksum_calculation,
    }
if not storage["OPTIONS"]:
    del storage["OPTIONS"]
print(json.dumps({"storage": storage, "cache": s.CACHES["default"], "csp": s.OMNI_CSP}))
"""


def test_complete_object_storage_and_redis_settings_are_what_the_processes_use(tmp_path):
    done = run(
        tmp_path,
        ["-c", PRINT],
        **S3,
        OMNI_S3_REGION="cn-hangzhou",
        OMNI_S3_ADDRESSING_STYLE="virtual",
        REDIS_URL="redis://:p%40ss@10.0.0.5:6379/2",
    )

    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = got["storage"]["OPTIONS"]
    assert options["bucket_name"] == "omni-photos"
    assert options["endpoint_url"] == "https://s3.oss-cn-hangzhou.aliyuncs.com"
    assert options["region_name"] == "cn-hangzhou"
    assert got["storage"]["config"] == {
        "s3": {"addressing_style": "virtual"},
        "signature_version": "s3v4",
        "checksums": "when_required",  # OSS and COS refuse boto3's streamed checksums
    }
    assert options["default_acl"] is None and options["file_overwrite"] is False
    assert got["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert got["cache"]["LOCATION"] == "redis://:p%40ss@10.0.0.5:6379/2"
    # the photos' host may be shown by pages (the bucket as a sub-domain, or the endpoint)
    img_src = next(p for p in got["csp"].split(";") if p.strip().startswith("img-src"))
    assert "https://omni-photos.s3.oss-cn-hangzhou.aliyuncs.com" in img_src.split()


def test_a_custom_domain_serves_public_links_and_is_the_only_photo_host(tmp_path):
    done = run(tmp_path, ["-c", PRINT], **S3, OMNI_S3_CUSTOM_DOMAIN="img.hubin.cn")

    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["storage"]["OPTIONS"]["custom_domain"] == "img.hubin.cn"
    # no style given: the bucket as a sub-domain, as OSS and COS require
    assert got["storage"]["config"]["s3"] == {"addressing_style": "virtual"}
    img_src = next(p for p in got["csp"].split(";") if p.strip().startswith("img-src"))
    assert img_src.split()[1:] == ["'self'", "data:", "blob:", "https://img.hubin.cn"]


def test_without_redis_or_s3_the_embedded_default_is_a_database_cache_and_local_files(
    tmp_path,
):
    done = run(tmp_path, ["-c", PRINT])

    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert got["cache"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


REPLICA = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps({a: s.DATABASES[a] for a in ("default", "replica") if a in s.DATABASES}))
"""


def test_a_read_replica_is_a_second_alias_with_the_primarys_pool(tmp_path):
    primary = "postgres://omni@127.0.0.1:5432/omniretail?sslmode=require"
    done = run(
        tmp_path,
        ["-c", REPLICA],
        DATABASE_URL=primary,
        DATABASE_REPLICA_URL="postgres://reader:p%40ss@10.0.0.6:5432/omniretail",
        OMNI_DB_POOL_MAX="6",
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    replica = got["replica"]
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    assert (replica["HOST"], replica["USER"], replica["PASSWORD"]) == ("10.0.0.6", "reader", "p@ss")
    assert replica["OPTIONS"] == got["default"]["OPTIONS"]  # the pool, and sslmode
    assert replica["OPTIONS"]["pool"]["max_size"] == 6
    assert replica["TEST"]["MIRROR"] == "default"  # tests read the test database through it

    without = json.loads(run(tmp_path, ["-c", REPLICA], DATABASE_URL=primary).stdout)
    assert list(without) == ["default"]


def test_postgresql_statements_are_bound_and_prepared_on_the_server_unless_turned_off(
    tmp_path,
):
    primary = "postgres://omni@127.0.0.1:5432/omniretail"
    options = json.loads(run(tmp_path, ["-c", REPLICA], DATABASE_URL=primary).stdout)["default"][
        "OPTIONS"
    ]
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 5)

    off = run(tmp_path, ["-c", REPLICA], DATABASE_URL=primary, OMNI_DB_PREPARED="0")
    options = json.loads(off.stdout)["default"]["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options
    assert options["pool"]["max_size"] == 10  # the pool stays
