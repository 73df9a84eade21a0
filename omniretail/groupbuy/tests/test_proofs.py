"""What an auditor relies on (issue 21, findings 6 to 8): the verifiers hold a proof to the
campaign's published rules, each joiner's own random value enters the draw so the operator
alone cannot steer it, an undrawn group has no proof but a clear refusal, and campaign rules
that would drop units are refused up front."""

import hashlib
import json
import secrets
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from omniretail.groupbuy import draw
from omniretail.groupbuy.models import Campaign, Group, Member
from omniretail.groupbuy.tests.test_api import publish_body
from omniretail.groupbuy.tests.test_draw import published_proof, run_script
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db


def value() -> str:
    return secrets.token_hex(32)


def join_body(**extra) -> dict:
    return {"provider": "balance", "client_value": value(), **extra}


def fill_through_the_api(groupbuys, api_client, campaign, n: int) -> list[dict]:
    joined = []
    for i in range(n):
        with groupbuys.capture(execute=True):
            response = api_client(groupbuys.shopper(i)).post(
                f"/api/groupbuy/campaigns/{campaign.public_id}/join", join_body()
            )
        assert response.status_code == 201, response.json()
        joined.append(response.json())
    return joined


def cut_to_one_winner(proof: dict) -> dict:
    return {**proof, "winners_count": 1, "winners": proof["winners"][:1]}


# ---------------------------------------------------------------- finding 6


@pytest.mark.parametrize("version", [1, 2])
def test_a_proof_cut_to_one_winner_fails_the_script_and_the_servers_check(tmp_path, version):
    proof = cut_to_one_winner(published_proof(size=5, k=2, version=version))

    done = run_script(tmp_path, proof)

    assert done.returncode == 1, done.stdout
    assert "winners_per_group" in done.stdout
    assert draw.verify(proof)


@pytest.mark.parametrize("version", [1, 2])
def test_the_script_holds_the_proof_to_the_campaign_it_is_given(tmp_path, version):
    proof = published_proof(size=5, k=2, version=version)
    campaign = {"id": proof["campaign_id"], "group_size": 5, "winners_per_group": 2}
    forged = cut_to_one_winner(proof) | {"winners_per_group": 1}
    (tmp_path / "campaign.json").write_text(json.dumps(campaign))

    honest = run_script(tmp_path, proof, "--campaign", "campaign.json")
    caught = run_script(tmp_path, forged, "--campaign", "campaign.json")
    resized = run_script(tmp_path, proof | {"group_size": 4}, "--campaign", "campaign.json")

    assert honest.returncode == 0, honest.stdout
    assert caught.returncode == 1 and "winners_per_group" in caught.stdout
    assert resized.returncode == 1 and "group_size" in resized.stdout


def test_the_command_rejects_a_group_whose_winners_were_cut_to_one(groupbuys, capsys):
    campaign = groupbuys.campaign(quantity=2, group_size=3, winners_per_group=2)
    for i in range(3):
        groupbuys.join(groupbuys.shopper(i), campaign)
    group = Group.objects.get(campaign=campaign)
    assert len(group.winners) == 2
    call_command("verify_draw", group.public_id)

    Group.objects.filter(pk=group.pk).update(winners_count=1, winners=group.winners[:1])

    with pytest.raises(CommandError):
        call_command("verify_draw", group.public_id)
    assert "winners_per_group" in capsys.readouterr().out


# ---------------------------------------------------------------- finding 8


def test_an_open_or_failed_groups_proof_is_a_409_with_a_code_not_empty_fields(
    groupbuys, api_client
):
    campaign = groupbuys.campaign(quantity=2)
    groupbuys.join(groupbuys.shopper(1), campaign)
    group = campaign.groups.get(number=1)

    pending = api_client().get(f"/api/groupbuy/groups/{group.public_id}/proof")
    Group.objects.filter(pk=group.pk).update(status=Group.Status.FAILED)
    failed = api_client().get(f"/api/groupbuy/groups/{group.public_id}/proof")

    assert pending.status_code == 409
    assert pending.json()["error"]["code"] == "draw_pending"
    assert pending.json()["error"]["details"] == {"status": "open"}
    assert failed.status_code == 409
    assert failed.json()["error"]["code"] == "group_not_formed"
    assert group.seed not in pending.content.decode() + failed.content.decode()


def test_a_quantity_not_divisible_by_the_winners_per_group_is_refused_on_the_field(
    groupbuys, api_client
):
    staff = api_client(groupbuys.staff)

    response = staff.post(
        "/api/groupbuy/merchant/campaigns",
        publish_body(groupbuys, quantity=10, group_size=5, winners_per_group=3),
    )

    assert response.status_code == 422
    assert "quantity" in response.json()["error"]["fields"]
    assert "整数倍" in response.json()["error"]["fields"]["quantity"][0]
    assert not Campaign.objects.exists()


def test_campaign_times_without_an_offset_are_read_as_beijing_time(groupbuys, api_client):
    start = timezone.localtime() + timedelta(days=1)
    naive = start.replace(tzinfo=None, microsecond=0)

    response = api_client(groupbuys.staff).post(
        "/api/groupbuy/merchant/campaigns",
        publish_body(
            groupbuys,
            starts_at=naive.isoformat(),
            ends_at=(naive + timedelta(days=2)).isoformat(),
        ),
    )

    assert response.status_code == 201, response.json()
    assert Campaign.objects.get().starts_at == start.replace(microsecond=0)


# ---------------------------------------------------------------- finding 7


def test_an_api_join_without_a_client_value_is_a_422_that_writes_nothing(groupbuys, api_client):
    campaign = groupbuys.campaign()
    client = api_client(groupbuys.shopper(1))
    url = f"/api/groupbuy/campaigns/{campaign.public_id}/join"

    missing = client.post(url, {"provider": "balance"})
    short = client.post(url, {"provider": "balance", "client_value": "ab" * 8})
    not_hex = client.post(url, {"provider": "balance", "client_value": "拼" * 64})

    for response in (missing, short, not_hex):
        assert response.status_code == 422, response.json()
        assert "client_value" in response.json()["error"]["fields"]
    assert not Member.objects.exists() and not PaymentIntent.objects.exists()


def test_every_joiners_value_enters_the_draw_and_the_proof_lets_anyone_recompute_it(
    groupbuys, api_client, tmp_path
):
    campaign = groupbuys.campaign(quantity=2, group_size=3, winners_per_group=1)
    group = campaign.groups.get(number=1)
    commitment_before = api_client().get(f"/api/groupbuy/campaigns/{campaign.public_id}/groups")
    joined = fill_through_the_api(groupbuys, api_client, campaign, 3)

    proof = api_client().get(f"/api/groupbuy/groups/{group.public_id}/proof").json()

    assert commitment_before.json()[0]["commitment"] == proof["commitment"]
    assert all(j["group_commitment"] == proof["commitment"] for j in joined)
    assert proof["proof_version"] == 2
    assert proof["member_list"] == [j["id"] for j in joined]
    assert proof["client_values"] == [j["client_value"] for j in joined]
    assert (proof["winners_per_group"], proof["group_size"]) == (1, 3)
    # recomputed here from the documented formula, not through draw.py
    key = hashlib.sha256(
        bytes.fromhex(proof["seed"]) + b"".join(bytes.fromhex(v) for v in proof["client_values"])
    ).digest()
    assert draw.entropy(proof["seed"], proof["client_values"]) == key.hex()
    assert run_script(tmp_path, proof).returncode == 0
    assert draw.verify(proof) == []

    # another first value that gives another winner (in a 3-seat group, 2 values in 3 do)
    changed = next(
        forged
        for forged in (
            proof | {"client_values": [value(), *proof["client_values"][1:]]} for _ in range(100)
        )
        if draw.winners(
            draw.entropy(proof["seed"], forged["client_values"]),
            group.public_id,
            proof["member_list"],
            1,
        )
        != proof["winners"]
    )
    assert run_script(tmp_path, changed).returncode == 1
    assert draw.verify(changed) == ["winners differ from the recomputed draw"]


def test_one_members_value_reorders_the_whole_draw():
    seed, members = draw.new_seed(), [f"m{i:02d}" for i in range(20)]
    values = [value() for _ in members]
    digest = draw.member_list_hash(members)

    first = draw.shuffle(draw.entropy(seed, values), digest, "g", members)
    other = draw.shuffle(draw.entropy(seed, [value(), *values[1:]]), digest, "g", members)

    assert sorted(first) == sorted(other) == members
    assert first != other


def test_a_group_drawn_before_the_upgrade_still_verifies_as_version_1(
    groupbuys, api_client, tmp_path
):
    campaign = groupbuys.campaign(quantity=1)
    Group.objects.filter(campaign=campaign).update(draw_version=1)
    for i in range(3):
        groupbuys.join(groupbuys.shopper(i), campaign)
    group = Group.objects.get(campaign=campaign)

    proof = api_client().get(f"/api/groupbuy/groups/{group.public_id}/proof").json()

    assert proof["proof_version"] == 1 and proof["client_values"] == []
    assert proof["winners"] == draw.winners(group.seed, group.public_id, group.member_list, 1)
    assert run_script(tmp_path, proof).returncode == 0
    call_command("verify_draw", group.public_id)
