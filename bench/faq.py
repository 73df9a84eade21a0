"""The FAQ assistant: top-1 accuracy on the labelled shopper questions of
service/tests/faq_questions.csv (paraphrases, typos, traditional characters, requests for a
person, questions about something else) against the demo knowledge base, by kind; then
answers per second and p50/p95 latency of `assistant.answer` as a chat message runs it
(the knowledge base's change stamp read, the cached index scored), one process, the
labelled questions asked round and round. With BENCH_FAQ_EXTRA more entries are added
(synthetic product questions) to show how the index scales.

    python -m bench.faq        # SQLite; with DATABASE_URL set, a fresh PostgreSQL database

Environment: BENCH_FAQ_SECONDS (5), BENCH_FAQ_EXTRA (0 extra entries)."""

import os
import time
from collections import Counter

from bench.common import django_database, header, percentile, print_table

SECONDS = float(os.environ.get("BENCH_FAQ_SECONDS", "5"))
EXTRA = int(os.environ.get("BENCH_FAQ_EXTRA", "0"))


def _knowledge_base():
    from omniretail.accounts import services as accounts
    from omniretail.accounts.models import User
    from omniretail.service import demo

    platform = accounts.create_organization(kind="platform", name="平台", code="platform")
    editor = accounts.create_staff(
        username="kb-editor", password="x" * 12, organization=platform, role="owner"
    )
    demo.load_kb(actor=editor, organization=platform, entries=demo.PLATFORM_KB)
    extra = [
        (
            f"第{i}号商品的规格和产地",
            f"第{i}号商品的规格与产地见商品详情页。",
            [f"{i}号商品哪里产的"],
            [],
        )
        for i in range(EXTRA)
    ]
    demo.load_kb(actor=editor, organization=platform, entries=extra)
    return User.objects.create(username="m13800138000", phone="13800138000")


def main() -> None:
    with django_database("faq") as label:
        from omniretail.service import assistant
        from omniretail.service.tests.labelled import labelled, predicted

        shopper = _knowledge_base()
        rows = labelled()
        header(f"faq: {len(rows)} labelled questions, +{EXTRA} extra entries, on {label}")

        started = time.perf_counter()
        assistant.index_for(None)
        build_ms = (time.perf_counter() - started) * 1000

        asked, right = Counter(), Counter()
        for row in rows:
            got = predicted(assistant.answer(text=row["question"], shopper=shopper))
            asked[row["kind"]] += 1
            right[row["kind"]] += got == row["expected"]
        table = [
            (kind, asked[kind], right[kind], f"{100 * right[kind] / asked[kind]:.1f}%")
            for kind in sorted(asked)
        ]
        total = sum(right.values())
        table.append(("all", len(rows), total, f"{100 * total / len(rows):.1f}%"))
        print_table(["kind", "questions", "top-1 right", "accuracy"], table)

        latencies = []
        deadline = time.perf_counter() + SECONDS
        i = 0
        while time.perf_counter() < deadline:
            text = rows[i % len(rows)]["question"]
            t0 = time.perf_counter()
            assistant.answer(text=text, shopper=shopper)
            latencies.append((time.perf_counter() - t0) * 1000)
            i += 1
        elapsed = sum(latencies) / 1000
        print()
        print_table(
            ["index build ms", "answers", "answers/s", "p50 ms", "p95 ms"],
            [
                (
                    build_ms,
                    len(latencies),
                    len(latencies) / elapsed,
                    percentile(latencies, 50),
                    percentile(latencies, 95),
                )
            ],
        )


if __name__ == "__main__":
    main()
