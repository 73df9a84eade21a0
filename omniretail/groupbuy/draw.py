"""The verifiable draw, in plain standard-library Python so anyone can redo it.

1. When the campaign is published each group gets a 32-byte seed from `secrets`; its
   commitment, SHA-256(seed), is public at once, before anyone can join.
2. Each joiner's client sends a 32-byte random value of its own with the join (version 2
   draws); it is bound to the seat and echoed back to the joiner.
3. When the group fills, its ordered member list is frozen; SHA-256 of the ids joined by
   newlines is published.
4. The draw's key is SHA-256(seed ‖ every member's value in seat order) (version 1: the seed
   itself). The byte stream is HMAC-SHA256(key, member_list_hash + group_id + counter), block
   after block (counter: 4 bytes, big-endian, from 0). A rejection-sampled 32-bit draw gives
   an unbiased index, which drives a Fisher-Yates shuffle; the first `k` are the winners.
5. After the draw the seed is revealed: recomputing steps 1-4 from public data must give the
   same winners. `scripts/verify_draw.py` does it with no code from this project."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator, Sequence

SEED_BYTES = 32
VALUE_BYTES = 32
PROOF_VERSION = 2  # 1: drawn from the seed alone, before joiners contributed values
_SPACE = 2**32
_HEX64 = re.compile(r"[0-9a-f]{64}")


def new_seed() -> str:
    return secrets.token_bytes(SEED_BYTES).hex()


def is_value(text: object) -> bool:
    """A seed or a joiner's value as published: 32 bytes in 64 lowercase hex digits."""
    return isinstance(text, str) and _HEX64.fullmatch(text) is not None


def commitment(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def member_list_hash(member_ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(member_ids).encode()).hexdigest()


def entropy(seed_hex: str, client_values: Sequence[str]) -> str:
    """A version 2 draw's key: nobody steers it without knowing the seed and choosing every
    member's value, and the seed is fixed (committed) before the first value arrives."""
    data = bytes.fromhex(seed_hex) + b"".join(bytes.fromhex(v) for v in client_values)
    return hashlib.sha256(data).hexdigest()


def draw_key(seed_hex: str, version: int, client_values: Sequence[str]) -> str:
    return entropy(seed_hex, client_values) if version >= 2 else seed_hex


def byte_stream(key_hex: str, list_hash: str, group_id: str) -> Iterator[int]:
    key, message = bytes.fromhex(key_hex), (list_hash + group_id).encode()
    counter = 0
    while True:
        yield from hmac.new(key, message + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1


def _below(stream: Iterator[int], n: int) -> int:
    """A uniform integer in [0, n): 32-bit draws at or above the last whole multiple of n are
    thrown away, so no index is favoured by the modulo."""
    limit = _SPACE - _SPACE % n
    while True:
        value = int.from_bytes(bytes(next(stream) for _ in range(4)), "big")
        if value < limit:
            return value % n


def shuffle(key_hex: str, list_hash: str, group_id: str, member_ids: Sequence[str]) -> list[str]:
    order = list(member_ids)
    stream = byte_stream(key_hex, list_hash, group_id)
    for i in range(len(order) - 1, 0, -1):
        j = _below(stream, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def winners(key_hex: str, group_id: str, member_ids: Sequence[str], k: int) -> list[str]:
    return shuffle(key_hex, member_list_hash(member_ids), group_id, member_ids)[:k]


def _rule_problems(proof: dict) -> list[str]:
    """The proof against the campaign's published rules: as many winners as the campaign
    promised per group, drawn from a full group, each a distinct member."""
    members, won = proof["member_list"], proof["winners"]
    k, size = proof.get("winners_per_group"), proof.get("group_size")
    problems = []
    if proof["winners_count"] != k:
        problems.append(f"winners_count {proof['winners_count']} is not winners_per_group {k}")
    if len(members) != size:
        problems.append(f"{len(members)} members but group_size {size}")
    if not isinstance(k, int) or not isinstance(size, int) or not 1 <= k < size:
        problems.append("winners_per_group must be at least 1 and below group_size")
    if len(won) != k or len(set(won)) != len(won) or not set(won) <= set(members):
        problems.append(f"winners must be {k} distinct members")
    return problems


def verify(proof: dict) -> list[str]:
    """Problems found in a published proof (empty when it holds)."""
    seed = proof.get("seed") or ""
    if not is_value(seed):
        return ["seed not revealed yet"]
    version = proof.get("proof_version", 1)
    values = proof.get("client_values") or []
    if version not in (1, 2):
        return [f"unknown proof_version {version}"]
    problems = _rule_problems(proof)
    if version == 2 and (
        len(values) != len(proof["member_list"]) or not all(map(is_value, values))
    ):
        problems.append("client_values must be one 64-hex value per member")
        return problems
    if commitment(seed) != proof["commitment"]:
        problems.append("seed does not match the commitment")
    if member_list_hash(proof["member_list"]) != proof["member_list_hash"]:
        problems.append("member list does not match its hash")
    key = draw_key(seed, version, values)
    expected = winners(key, proof["group_id"], proof["member_list"], proof["winners_count"])
    if expected != proof["winners"]:
        problems.append("winners differ from the recomputed draw")
    return problems
