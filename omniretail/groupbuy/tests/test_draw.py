"""The draw is verifiable and fair: the stand-alone script (standard library only, no code
from this project) recomputes 1,000 published draws from their public proofs; a tampered
proof fails; over 10,000 draws every seat wins equally often (chi-square)."""

import json
import math
import secrets
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from omniretail.core.ids import new_public_id
from omniretail.groupbuy import draw, selectors
from omniretail.groupbuy.models import Group

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_draw.py"


def published_proof(size: int, k: int, version: int = 2) -> dict:
    """A proof as the API publishes it; version 1 is a draw from before joiners' values."""
    seed, group_id = draw.new_seed(), new_public_id()
    members = [new_public_id() for _ in range(size)]
    values = [secrets.token_hex(32) for _ in members] if version == 2 else []
    key = draw.entropy(seed, values) if version == 2 else seed
    return {
        "proof_version": version,
        "group_id": group_id,
        "campaign_id": new_public_id(),
        "group_size": size,
        "winners_per_group": k,
        "commitment": draw.commitment(seed),
        "member_list": members,
        "client_values": values,
        "member_list_hash": draw.member_list_hash(members),
        "winners_count": k,
        "winners": draw.shuffle(key, draw.member_list_hash(members), group_id, members)[:k],
        "seed": seed,
    }


def run_script(tmp_path, proofs, *args) -> subprocess.CompletedProcess:
    path = tmp_path / "proofs.json"
    path.write_text(json.dumps(proofs))
    # -I: isolated, so the script cannot import anything of this project
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), *args, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )


def test_the_standalone_script_recomputes_a_thousand_published_draws(tmp_path):
    proofs = [published_proof(size=3 + i % 48, k=1 + i % 2, version=1 + i % 2) for i in range(1000)]
    done = run_script(tmp_path, proofs)
    assert done.returncode == 0, done.stdout[-2000:]
    assert done.stdout.strip().endswith("1000 verified, 0 failed")


@pytest.mark.parametrize(
    "tamper",
    ["seed", "winners", "member_list", "commitment", "client_values"],
)
def test_a_tampered_proof_fails_the_script(tmp_path, tamper):
    proof = published_proof(size=10, k=3)
    if tamper == "seed":
        proof["seed"] = secrets.token_bytes(32).hex()
    elif tamper == "winners":
        proof["winners"] = [m for m in proof["member_list"] if m not in proof["winners"]][:3]
    elif tamper == "member_list":
        proof["member_list"] = list(reversed(proof["member_list"]))
    elif tamper == "client_values":
        proof["client_values"] = proof["client_values"][1:]  # one member's value left out
    else:
        proof["commitment"] = "0" * 64
    done = run_script(tmp_path, proof)
    assert done.returncode == 1
    assert "0 verified, 1 failed" in done.stdout


def chi_square_p_even_df(statistic: float, df: int) -> float:
    """Upper tail of chi-square with an even number of degrees of freedom (closed form)."""
    half = statistic / 2
    return math.exp(-half) * sum(half**i / math.factorial(i) for i in range(df // 2))


def test_every_seat_wins_equally_often_over_ten_thousand_draws():
    size, draws = 11, 10_000
    members = [f"m{i:02d}" for i in range(size)]
    wins = Counter(draw.winners(draw.new_seed(), "g", members, 1)[0] for _ in range(draws))
    expected = draws / size
    statistic = sum((wins[m] - expected) ** 2 / expected for m in members)
    p = chi_square_p_even_df(statistic, size - 1)
    assert p > 0.001, (statistic, wins)


def test_a_fisher_yates_shuffle_is_a_permutation_and_reproducible():
    seed, members = draw.new_seed(), [new_public_id() for _ in range(20)]
    digest = draw.member_list_hash(members)
    first = draw.shuffle(seed, digest, "g1", members)
    assert sorted(first) == sorted(members)
    assert draw.shuffle(seed, digest, "g1", members) == first
    assert draw.shuffle(seed, digest, "g2", members) != first


@pytest.mark.django_db
def test_the_command_and_the_script_verify_a_real_group_from_the_proof_api(
    groupbuys, api_client, tmp_path, capsys
):
    campaign = groupbuys.campaign(quantity=1)
    for i in range(3):
        groupbuys.join(groupbuys.shopper(i), campaign)
    group = Group.objects.get(campaign=campaign)

    call_command("verify_draw", group.public_id)
    assert "1 verified, 0 failed" in capsys.readouterr().out
    proof = api_client().get(f"/api/groupbuy/groups/{group.public_id}/proof").json()
    assert run_script(tmp_path, proof).returncode == 0

    forged = [m for m in group.member_list if m not in group.winners][:1]
    Group.objects.filter(pk=group.pk).update(winners=forged)
    with pytest.raises(CommandError):
        call_command("verify_draw", "--campaign", campaign.public_id)
    assert selectors.proof(Group.objects.get(pk=group.pk))["seed"] == group.seed
