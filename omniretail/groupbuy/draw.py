"""The verifiable draw, in plain standard-library Python so anyone can redo it.

1. When the campaign is published each group gets a 32-byte seed from `secrets`; its
   commitment, SHA-256(seed), is public at once.
2. When the group fills, its ordered member list is frozen; SHA-256 of the ids joined by
   newlines is published.
3. The byte stream is HMAC-SHA256(seed, member_list_hash + group_id + counter), block after
   block (counter: 4 bytes, big-endian, from 0). A rejection-sampled 32-bit draw gives an
   unbiased index, which drives a Fisher-Yates shuffle; the first `k` are the winners.
4. After the draw the seed is revealed: recomputing steps 1-3 from public data must give the
   same winners. `scripts/verify_draw.py` does it with no code from this project."""

import hashlib
import hmac
import secrets
from collections.abc import Iterator, Sequence

SEED_BYTES = 32
_SPACE = 2**32


def new_seed() -> str:
    return secrets.token_bytes(SEED_BYTES).hex()


def commitment(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def member_list_hash(member_ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(member_ids).encode()).hexdigest()


def byte_stream(seed_hex: str, list_hash: str, group_id: str) -> Iterator[int]:
    key, message = bytes.fromhex(seed_hex), (list_hash + group_id).encode()
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


def shuffle(seed_hex: str, list_hash: str, group_id: str, member_ids: Sequence[str]) -> list[str]:
    order = list(member_ids)
    stream = byte_stream(seed_hex, list_hash, group_id)
    for i in range(len(order) - 1, 0, -1):
        j = _below(stream, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def winners(seed_hex: str, group_id: str, member_ids: Sequence[str], k: int) -> list[str]:
    return shuffle(seed_hex, member_list_hash(member_ids), group_id, member_ids)[:k]


def verify(proof: dict) -> list[str]:
    """Problems found in a published proof (empty when it holds)."""
    problems = []
    seed = proof.get("seed") or ""
    if not seed:
        return ["seed not revealed yet"]
    if commitment(seed) != proof["commitment"]:
        problems.append("seed does not match the commitment")
    if member_list_hash(proof["member_list"]) != proof["member_list_hash"]:
        problems.append("member list does not match its hash")
    expected = winners(seed, proof["group_id"], proof["member_list"], proof["winners_count"])
    if expected != proof["winners"]:
        problems.append("winners differ from the recomputed draw")
    return problems
