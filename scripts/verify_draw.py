#!/usr/bin/env python3
"""Check an Omniretail group-buy draw from its public proof alone (standard library only).

    python3 scripts/verify_draw.py proof.json            # a file saved from the proof page
    python3 scripts/verify_draw.py https://shop/api/groupbuy/groups/<id>/proof
    curl -s .../proof | python3 scripts/verify_draw.py -

The proof is JSON with: group_id, commitment, seed (hex, revealed after the draw),
member_list (ordered member ids), member_list_hash, winners_count, winners. The script
recomputes SHA-256(seed) == commitment, SHA-256("\\n".join(member_list)) == member_list_hash,
and the draw: a Fisher-Yates shuffle driven by HMAC-SHA256(seed, member_list_hash + group_id
+ 4-byte counter) with 32-bit rejection sampling; the first winners_count must be the
published winners. Exit status 0 when all holds. A JSON list of proofs is checked one by one.
"""

import hashlib
import hmac
import json
import sys
import urllib.request


def stream(seed: bytes, message: bytes):
    counter = 0
    while True:
        block = hmac.new(seed, message + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        yield from block
        counter += 1


def uniform(source, n: int) -> int:
    limit = 2**32 - (2**32 % n)
    while True:
        value = int.from_bytes(bytes(next(source) for _ in range(4)), "big")
        if value < limit:
            return value % n


def check(proof: dict) -> list[str]:
    if not proof.get("seed"):
        return ["seed not revealed yet"]
    seed = bytes.fromhex(proof["seed"])
    members = list(proof["member_list"])
    list_hash = hashlib.sha256("\n".join(members).encode()).hexdigest()
    errors = []
    if hashlib.sha256(seed).hexdigest() != proof["commitment"]:
        errors.append("seed does not match the commitment")
    if list_hash != proof["member_list_hash"]:
        errors.append("member list does not match its hash")
    source = stream(seed, (list_hash + proof["group_id"]).encode())
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


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    data = load(argv[1])
    proofs = data if isinstance(data, list) else [data]
    failed = 0
    for proof in proofs:
        errors = check(proof)
        failed += bool(errors)
        verdict = "OK " if not errors else "BAD"
        print(f"{verdict} group {proof['group_id']}: winners {proof['winners']}")
        for error in errors:
            print(f"  {error}")
    print(f"{len(proofs) - failed} verified, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
