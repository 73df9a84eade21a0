"""Packaging codes at print-run scale: generating a batch of 100,000 signed codes (the
background job's own path: tokens in bulk, `bulk_create` in committed chunks), exporting it
(CSV rows, PDF pages with their QR matrices), and refusing forged tokens by signature alone.

    python -m bench.codes      # SQLite; with DATABASE_URL set, PostgreSQL

Environment: BENCH_CODES_N (100000), BENCH_CODES_PDF_PAGES (20).
"""

import os
import time

from bench.common import BenchShop, django_database, header, print_table

N = int(os.environ.get("BENCH_CODES_N", "100000"))
PDF_PAGES = int(os.environ.get("BENCH_CODES_PDF_PAGES", "20"))


class _TimedBelow:
    @staticmethod
    def enqueue(batch_id: int) -> None:
        """Queue nothing: main() runs the generation itself and times it."""


def _batch():
    """A producer with one approved SKU and a batch ordered but not generated yet."""
    from omniretail.codes import services

    shop = BenchShop(category=("美妆", "beauty"))
    sku = shop.sku(name="补水面膜", code="B-1", price="39.90")
    services._generate_task = lambda: _TimedBelow
    return services.order_batch(
        actor=shop.maker, producer=shop.producer, sku=sku, quantity=N, points_per_scan=10
    )


def _timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    header(f"codes: generate a batch of {N} codes, export it, refuse forged tokens")
    with django_database("codes") as label:
        from omniretail.codes import exports, services, tokens

        batch = _batch()
        seconds, made = _timed(lambda: services.generate_batch(batch_id=batch.pk))
        assert made == N, made
        batch.refresh_from_db()
        rows = [[label, f"generate {N} codes", N, N / seconds, seconds]]

        seconds, lines = _timed(lambda: sum(c.count("\n") for c in exports.csv_rows(batch)))
        rows.append([label, "CSV export (rows)", lines - 1, (lines - 1) / seconds, seconds])

        def pdf_pages() -> int:
            pages = 0
            for chunk in exports.pdf_bytes(batch):
                pages += chunk.count(b"/FlateDecode")
                if pages == PDF_PAGES:
                    return pages
            return pages

        seconds, pages = _timed(pdf_pages)
        per_page = exports.PER_PAGE
        rows.append([label, f"PDF sheet ({per_page} codes/page)", pages, pages / seconds, seconds])

        forged = [t[:-1] + ("A" if t[-1] != "A" else "B") for t in tokens.new_tokens(50_000)]
        seconds, refused = _timed(lambda: sum(not tokens.is_genuine(t) for t in forged))
        rows.append([label, "refuse a forged token (no DB)", refused, refused / seconds, seconds])

        print_table(["db", "what", "n", "per s", "seconds"], rows)
        whole_pdf = exports.page_count(batch) / rows[2][3]
        print(f"a whole {N}-code PDF ({exports.page_count(batch)} pages) takes ~{whole_pdf:.0f}s")


if __name__ == "__main__":
    main()
