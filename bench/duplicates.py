"""Duplicate goods (issue 20 item 4): the matcher `catalog.duplicates` over the labelled pairs
of product names in omniretail/catalog/tests/data/duplicate_pairs.json (brand + name + spec;
about half the same good spaced, cased, full-width, in traditional characters, in other
units or another word order, half another spec, pack, flavour or brand). Prints precision
and recall with their ratio to the issue's targets (0.95, 0.90), the pairs it got wrong,
and the time per pair. No database: the matcher compares names.

    python -m bench.duplicates

Environment: BENCH_DUPLICATES_ROUNDS (20) passes over the set for the timing.
"""

import json
import os
import tempfile
import time

from bench.common import REPO, header, print_table

PAIRS = REPO / "omniretail" / "catalog" / "tests" / "data" / "duplicate_pairs.json"
ROUNDS = int(os.environ.get("BENCH_DUPLICATES_ROUNDS", "20"))
TARGETS = {"precision": 0.95, "recall": 0.90}


def main() -> None:
    pairs = json.loads(PAIRS.read_text())
    header(f"duplicates: {len(pairs)} labelled pairs of product names, precision and recall")
    scratch = tempfile.TemporaryDirectory(prefix="omni-bench-duplicates-")
    os.environ["OMNI_DATA_DIR"] = scratch.name
    os.environ.setdefault("OMNI_EMBEDDED", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
    import django

    django.setup()
    from omniretail.catalog import duplicates

    started = time.perf_counter()
    said = [duplicates.same(p["a"], p["b"]) for p in pairs]  # the first pass loads jieba
    first_pass = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for p in pairs:
            duplicates.same(p["a"], p["b"])
    per_pair_us = (time.perf_counter() - started) / (ROUNDS * len(pairs)) * 1e6

    real = [p["duplicate"] for p in pairs]
    true_pos = sum(1 for s, r in zip(said, real, strict=True) if s and r)
    figures = {
        "precision": true_pos / max(1, sum(said)),
        "recall": true_pos / max(1, sum(real)),
    }
    print(
        f"{sum(real)} duplicates, {len(real) - sum(real)} distinct; "
        f"first pass (jieba's dictionary loaded) {first_pass:.2f}s"
    )
    print_table(
        ["figure", "value", "target", "ratio to target"],
        [[name, value, TARGETS[name], value / TARGETS[name]] for name, value in figures.items()]
        + [["time per pair (us)", per_pair_us, "", ""]],
    )
    wrong = [p for p, s in zip(pairs, said, strict=True) if s != p["duplicate"]]
    for p in wrong:
        verdict = "missed" if p["duplicate"] else "false match"
        print(f"  {verdict} ({p['why']}): {p['a']} | {p['b']}")
    scratch.cleanup()
    if any(figures[name] < target for name, target in TARGETS.items()):
        raise SystemExit("duplicates: below the issue's precision or recall target")


if __name__ == "__main__":
    main()
