"""The labelled query set (search_labels.json) and how a result list is scored against it;
shared by the recall test and bench/search.py."""

import json
import re
from pathlib import Path

LABELS = Path(__file__).with_name("search_labels.json")
_PACK = re.compile(r"（[^）]*）$")  # the demo's padded copies: 补水保湿面膜10片（家庭装）


def queries() -> list[dict]:
    """[{"query", "kind", "relevant": [demo product names]}, ...]"""
    return json.loads(LABELS.read_text())["queries"]


def base_name(name: str) -> str:
    return _PACK.sub("", name)


def recall_at(k: int, found: list[str], relevant: set[str], relevant_total: int) -> float:
    """The share of the first k results that are relevant, out of as many relevant products as
    could fit in k (`found` and `relevant` are base names; `relevant_total` counts the
    catalogue's relevant products, copies included). 1.0 when nothing is relevant."""
    if not relevant_total:
        return 1.0
    hits = sum(1 for name in found[:k] if name in relevant)
    return hits / min(k, relevant_total)
