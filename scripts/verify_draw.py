#!/usr/bin/env python3
"""Check an Omniretail group-buy draw from its public proof alone (standard library only).

    python3 scripts/verify_draw.py https://shop/api/groupbuy/groups/<id>/proof
    python3 scripts/verify_draw.py proof.json            # a file saved from the proof page
    python3 scripts/verify_draw.py --campaign campaign.json proof.json
    curl -s .../proof | python3 scripts/verify_draw.py -

The proof is JSON with: proof_version (1 or 2; absent means 1), group_id, campaign_id,
group_size and winners_per_group (the campaign's published rules), commitment, seed (hex,
revealed after the draw), member_list (ordered member ids), client_values (version 2: each
member's 32-byte value, hex, in seat order), member_list_hash, winners_count, winners.

The script checks, as docs/groupbuy.md describes: winners_count == winners_per_group, the
member list has group_size members, the winners are that many distinct members; the rules
agree with the campaign itself (fetched from the same shop when the proof is a URL, or the
JSON given with --campaign); SHA-256(seed) == commitment; SHA-256("\\n".join(member_list))
== member_list_hash; and the draw: key = SHA-256(seed || each client value in seat order)
(version 1: key = seed), a Fisher-Yates shuffle driven by HMAC-SHA256(key, member_list_hash
+ group_id + 4-byte counter) with 32-bit rejection sampling; the first winners_count must be
the published winners. Exit status 0 when all holds. A JSON list of proofs is checked one by
one.
"""

import hashlib
import hmac
import json
import re
import sys
import urllib.parse
import urllib.request

HEX64 = re.compile(r"[0-9a-f]{64}")


def stream(key: bytes, message: bytes):
    counter = 0
    while True:
        yield from hmac.new(key, message + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1


def uniform(source, n: int) -> int:
    limit = 2**32 - (2**32 % n)
    while True:
        value = int.from_bytes(bytes(next(source) for _ in range(4)), "big")
        if value < limit:
            return value % n


def check_rules(proof: dict, campaign: dict | None) -> list[str]:
    members, winners = proof["member_list"], proof["winners"]
    k, size = proof.get("winners_per_group"), proof.get("group_size")
    errors = []
    if campaign is not None:
        if campaign.get("id") != proof.get("campaign_id"):
            errors.append("the proof is not of this campaign")
        for field in ("winners_per_group", "group_size"):
            if campaign.get(field) != proof.get(field):
                errors.append(
                    f"{field} {proof.get(field)} is not the campaign's {campaign.get(field)}"
                )
    if proof["winners_count"] != k:
        errors.append(f"winners_count {proof['winners_count']} is not winners_per_group {k}")
    if len(members) != size:
        errors.append(f"{len(members)} members but group_size {size}")
    if not isinstance(k, int) or not isinstance(size, int) or not 1 <= k < size:
        errors.append("winners_per_group must be at least 1 and below group_size")
    if len(winners) != k or len(set(winners)) != len(winners) or not set(winners) <= set(members):
        errors.append(f"winners must be {k} distinct members")
    return errors


def check(proof: dict, campaign: dict | None = None) -> list[str]:
    if not HEX64.fullmatch(proof.get("seed") or ""):
        return ["seed not revealed yet"]
    version = proof.get("proof_version", 1)
    if version not in (1, 2):
        return [f"unknown proof_version {version}"]
    errors = check_rules(proof, campaign)
    seed = bytes.fromhex(proof["seed"])
    members = list(proof["member_list"])
    key = seed
    if version == 2:
        values = proof.get("client_values") or []
        if len(values) != len(members) or not all(HEX64.fullmatch(str(v)) for v in values):
            return [*errors, "client_values must be one 64-hex value per member"]
        key = hashlib.sha256(seed + b"".join(bytes.fromhex(v) for v in values)).digest()
    list_hash = hashlib.sha256("\n".join(members).encode()).hexdigest()
    if hashlib.sha256(seed).hexdigest() != proof["commitment"]:
        errors.append("seed does not match the commitment")
    if list_hash != proof["member_list_hash"]:
        errors.append("member list does not match its hash")
    source = stream(key, (list_hash + proof["group_id"]).encode())
    for i in range(len(members) - 1, 0, -1):
        j = uniform(source, i + 1)
        members[i], members[j] = members[j], members[i]
    if members[: proof["winners_count"]] != proof["winners"]:
        errors.append("winners differ from the recomputed draw")
    return errors


def load(source: str):
    if source == "-":
        return json.load(sys.stdin)
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as response:
            return json.load(response)
    with open(source, encoding="utf-8") as file:
        return json.load(file)


def campaign_of(proof_url: str, proof: dict) -> dict:
    """The campaign as the shop publishes it, next to the proof's URL."""
    path = f"/api/groupbuy/campaigns/{urllib.parse.quote(str(proof.get('campaign_id')))}"
    return load(urllib.parse.urljoin(proof_url, path))


def main(argv: list[str]) -> int:
    args = argv[1:]
    campaign = None
    if len(args) == 3 and args[0] == "--campaign":
        campaign, args = load(args[1]), args[2:]
    if len(args) != 1:
        print(__doc__)
        return 2
    data = load(args[0])
    proofs = data if isinstance(data, list) else [data]
    fetch = campaign is None and args[0].startswith(("http://", "https://"))
    failed = 0
    for proof in proofs:
        errors = check(proof, campaign_of(args[0], proof) if fetch else campaign)
        failed += bool(errors)
        verdict = "OK " if not errors else "BAD"
        print(f"{verdict} group {proof.get('group_id')}: winners {proof.get('winners')}")
        for error in errors:
            print(f"  {error}")
    print(f"{len(proofs) - failed} verified, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
