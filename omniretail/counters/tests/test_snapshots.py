"""Camera snapshots: a counter attaches one JPEG to an event it sent, through the validated
image path (EXIF and GPS gone); a retry stores nothing twice; bad files are refused on their
field and store nothing; only the counter's merchant and the platform see them (never
/media/); the hourly sweep deletes them after the retention period."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from omniretail.counters import device, repairs, snapshots, tasks
from omniretail.counters.models import RepairTicket, Snapshot
from omniretail.testing.images import GPS_IFD, photo, stored_exif

pytestmark = pytest.mark.django_db

EVENTS = "/api/counters/device/events"


def event(api_client, setup, seq, kind="door_opened", data=None):
    answer = api_client().post(
        EVENTS, {"seq": seq, "kind": kind, "data": data or {}}, headers=setup.device_headers
    )
    assert answer.status_code == 200, answer.json()
    return answer


def upload(api_client, setup, seq, image):
    return api_client().post_form(
        f"{EVENTS}/{seq}/snapshot", {"image": image}, headers=setup.device_headers
    )


def stored_files() -> list[str]:
    root = Path(default_storage.location) / snapshots.FOLDER
    return sorted(p.name for p in root.glob("*")) if root.exists() else []


def test_a_snapshot_is_stored_for_its_event_without_exif_and_a_retry_stores_nothing(
    counter_setup, api_client
):
    setup = counter_setup
    event(api_client, setup, 1, "door_opened", {"bay": "1"})

    first = upload(api_client, setup, 1, photo("JPEG", "cam.jpg", size=(640, 480)))
    again = upload(api_client, setup, 1, photo("JPEG", "cam.jpg", size=(640, 480)))

    assert first.status_code == 201
    body = first.json()
    assert body["counter"] == setup.counter.code and body["seq"] == 1
    assert body["kind"] == "door_opened"
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    snapshot = Snapshot.objects.get()
    exif, fmt, size = stored_exif(snapshot.image)
    assert fmt == "JPEG" and size == (640, 480)
    assert GPS_IFD not in exif and 0x010F not in exif
    assert len(stored_files()) == 1


def _png():
    return photo("PNG", "cam.png")


def _oversized():
    out = io.BytesIO()
    Image.effect_noise((1200, 1200), 90).convert("RGB").save(out, "JPEG", quality=100)
    assert len(out.getvalue()) > snapshots.MAX_BYTES
    return SimpleUploadedFile("big.jpg", out.getvalue(), content_type="image/jpeg")


def _text():
    return SimpleUploadedFile("cam.jpg", "不是图片".encode(), content_type="image/jpeg")


@pytest.mark.parametrize("bad", [_png, _oversized, _text])
def test_a_file_that_is_not_a_jpeg_within_the_limit_is_refused_and_nothing_stored(
    counter_setup, api_client, bad
):
    setup = counter_setup
    event(api_client, setup, 1)

    refused = upload(api_client, setup, 1, bad())

    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"image"}
    assert not Snapshot.objects.exists()
    assert stored_files() == []


def test_an_unknown_event_or_one_that_takes_no_snapshot_is_refused(counter_setup, api_client):
    setup = counter_setup
    event(api_client, setup, 1, "heartbeat")

    unknown = upload(api_client, setup, 7, photo())
    beyond = upload(api_client, setup, 2**63, photo())
    heartbeat = upload(api_client, setup, 1, photo())
    unsigned = api_client().post_form(f"{EVENTS}/1/snapshot", {"image": photo()})

    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_event"
    assert heartbeat.status_code == 422 and set(heartbeat.json()["error"]["fields"]) == {"seq"}
    assert beyond.status_code == 422 and set(beyond.json()["error"]["fields"]) == {"seq"}
    assert unsigned.status_code == 401
    assert not Snapshot.objects.exists() and stored_files() == []


def test_only_the_counters_merchant_and_the_platform_see_a_snapshot(
    counter_setup, api_client, client, other_merchant_staff, platform_staff
):
    setup = counter_setup
    event(api_client, setup, 1, "scan")
    snapshot_id = upload(api_client, setup, 1, photo()).json()["id"]
    image = f"/api/counters/{setup.counter.code}/snapshots/{snapshot_id}/image"
    listing = f"/api/counters/{setup.counter.code}/snapshots"

    own = api_client(setup.staff).get(image)
    ops = api_client(platform_staff).get(image)

    assert own.status_code == 200 and own["Content-Type"] == "image/jpeg"
    assert "no-store" in own["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(own.streaming_content))).format == "JPEG"
    assert ops.status_code == 200
    assert [s["id"] for s in api_client(setup.staff).get(listing).json()] == [snapshot_id]
    assert api_client(other_merchant_staff).get(image).status_code == 404
    assert api_client(other_merchant_staff).get(listing).status_code == 404
    assert api_client(setup.member).get(image).status_code == 404
    assert api_client().get(image).status_code == 401
    stored = Snapshot.objects.get().image
    assert client.get(f"/media/{stored}").status_code == 404


def test_the_counters_ops_page_shows_snapshots_with_time_and_event_kind(
    counter_setup, api_client, client, django_capture_on_commit_callbacks
):
    setup = counter_setup
    with django_capture_on_commit_callbacks(execute=True):
        ticket = repairs.book_repair(
            shopper=setup.member,
            counter=setup.counter,
            vehicle_serial="YD2024EV0002",
            plate="",
            fault="电池不充电",
            photos=[],
            drop_off_at=timezone.now() + timedelta(hours=1),
        )
    repairs.check_in(shopper=setup.member, ticket=ticket, scanned=setup.counter.code)
    at = int(timezone.now().timestamp()) - 60
    api_client().post(
        EVENTS,
        {"seq": 1, "kind": "vehicle_left", "at": at, "data": {"ticket": ticket.public_id}},
        headers=setup.device_headers,
    )
    shot = upload(api_client, setup, 1, photo()).json()
    assert shot["ticket"] == ticket.public_id
    client.force_login(setup.staff)

    page = client.get(f"/ops/counters/{setup.counter.code}/").content.decode()

    taken = timezone.localtime(datetime.fromtimestamp(at, UTC))
    assert "摄像头照片" in page and "送修车辆已放下" in page
    assert taken.strftime("%Y-%m-%d %H:%M:%S") in page
    assert shot["image_url"] in page and "YD2024EV0002" in page
    assert RepairTicket.objects.get().step == "dropped_off"


def test_the_sweep_deletes_snapshots_past_the_retention_period(counter_setup, api_client, settings):
    settings.OMNI_COUNTER_SNAPSHOT_RETENTION_DAYS = 7
    setup = counter_setup
    for seq in (1, 2):
        event(api_client, setup, seq, "presence", {"people": 2, "dwell_s": 40})
        upload(api_client, setup, seq, photo())
    old = Snapshot.objects.get(event__seq=1)
    Snapshot.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))

    assert snapshots.purge_expired() == 1
    assert snapshots.purge_expired() == 0

    assert list(Snapshot.objects.values_list("event__seq", flat=True)) == [2]
    assert not default_storage.exists(old.image)
    assert len(stored_files()) == 1
    assert snapshots.purge_expired in [job.func for job in tasks.PERIODIC]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_snapshot_uploaded_six_times_at_once_is_stored_once(counter_setup, race):
    setup = counter_setup
    device.record_event(counter=setup.counter, seq=1, kind="scan")

    outcomes = race(6, lambda i: snapshots.attach(counter=setup.counter, seq=1, files=[photo()]))

    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert sum(created for _snapshot, created in outcomes) == 1
    assert len({snapshot.pk for snapshot, _created in outcomes}) == 1
    assert Snapshot.objects.count() == 1 and len(stored_files()) == 1


def test_a_face_in_a_snapshot_is_pixelated_before_it_is_stored(counter_setup, api_client):
    """Issue 19 item 2 (privacy): a passer-by's face was stored as the camera took it."""
    from omniretail.core import faces
    from omniretail.testing.faces import PORTRAIT

    setup = counter_setup
    event(api_client, setup, 1, "presence", {"people": 1, "dwell_s": 12})
    assert faces.count(PORTRAIT) == 1
    shot = SimpleUploadedFile("cam.jpg", PORTRAIT, content_type="image/jpeg")

    assert upload(api_client, setup, 1, shot).status_code == 201

    with default_storage.open(Snapshot.objects.get().image) as stored:
        kept = stored.read()
    assert faces.count(kept) == 0
    with Image.open(io.BytesIO(kept)) as image:  # the rest of the picture is kept
        assert image.size == (512, 600)
