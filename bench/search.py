"""Product search at catalogue scale: N approved products named after the demo catalogue's
goods (with shop prefixes and pack sizes, plus a few electronics whose names jieba cuts
awkwardly), the labelled query set of catalog/tests/search_labels.json, and per query kind:
latency of one search as the API answers it (the count, up to 1,000, and the first page of
20), the same for a plain `name LIKE '%q%'` scan, recall@10 against the labels, and recall
against the LIKE scan (every
product whose name contains the query must be found); and the latency of the search box's
suggestions (联想) for a few beginnings of words.

    python -m bench.search        # SQLite; with DATABASE_URL set, a fresh PostgreSQL database

Environment: BENCH_SEARCH_PRODUCTS (default 100000), BENCH_SEARCH_REPEAT (5 runs a query)."""

import os
import random
import time
from collections import Counter, defaultdict
from decimal import Decimal
from functools import partial

from bench.common import django_database, header, percentile, print_table

SIZE = int(os.environ.get("BENCH_SEARCH_PRODUCTS", "100000"))
REPEAT = int(os.environ.get("BENCH_SEARCH_REPEAT", "5"))
SEED = 20261205
BATCH = 2_000
PAGE = 20

# names that the 100,000-product run found jieba splitting away from the query
ELECTRONICS = [
    "绿联Type-C数据线1米",
    "USBType-C数据线快充",
    "安克65W充电器氮化镓",
    "PD65W充电器双口",
    "适用iPhone 15 Pro手机壳",
    "iPhone 15钢化膜",
    "蓝牙耳机降噪",
]
EXTRA_QUERIES = [
    ("mixed", "Type-C数据线"),
    ("mixed", "65W充电器"),
    ("mixed", "iPhone 15"),
    ("one-char", "霜"),
    ("one-char", "茶"),
    ("one-char", "膜"),
]
# what a shopper has typed so far: suggestions (联想) by prefix, pinyin and initials
SUGGEST_QUERIES = ["面", "mian", "mm", "茶", "cha", "Type"]
PREFIXES = ["", "", "新款", "热卖", "正品", "杭州", "官方", "加量", "升级版", "限定"]
PACKS = ["", "", "（标准装）", "（家庭装）", "（尝鲜装）", "（礼盒装）", " 2件装", " 3件套"]


def seed_catalogue(rng: random.Random, size: int) -> dict[int, str]:
    """`size` approved products spread over the demo's categories; returns id -> base name."""
    from django.db import connection, transaction

    from omniretail.accounts import services as accounts
    from omniretail.catalog import search
    from omniretail.catalog.models import Brand, Category, Product
    from omniretail.demo import CATEGORIES

    owner = accounts.create_organization(kind="producer", name="基准生产商", code="bench")
    brands = [Brand.objects.create(producer=owner, name=n) for n in ("水润坊", "狮峰", "知味观")]
    leaves = []  # (category, names of the category and those above it, base names)
    for slug, name, name_en, _icon, children in CATEGORIES:
        root = Category.objects.create(name=name, name_en=name_en, slug=slug)
        for child_slug, child, child_en, _maker, items in children:
            leaf = Category.objects.create(
                name=child, name_en=child_en, slug=child_slug, parent=root
            )
            leaves.append((leaf, f"{child} {child_en} {name} {name_en}", [i[0] for i in items]))
    gadgets = Category.objects.create(name="数码配件", name_en="Gadgets", slug="gadgets")
    leaves.append((gadgets, "数码配件 Gadgets", ELECTRONICS))

    bases: dict[int, str] = {}
    started = time.perf_counter()
    for offset in range(0, size, BATCH):
        rows, names = [], []
        for _ in range(min(BATCH, size - offset)):
            leaf, category_text, items = rng.choice(leaves)
            base = rng.choice(items)
            name = f"{rng.choice(PREFIXES)}{base}{rng.choice(PACKS)}"
            brand = rng.choice(brands)
            text = search.document(
                name=name, subtitle="", brand=brand.name, category=category_text, description=""
            )
            rows.append(
                Product(
                    owner=owner,
                    brand=brand,
                    category=leaf,
                    name=name,
                    status=Product.Status.APPROVED,
                    price=Decimal(rng.randint(500, 50_000)) / 100,
                    search_text=text,
                )
            )
            names.append(base)
        with transaction.atomic():
            created = Product.objects.bulk_create(rows)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {search.FTS_TABLE} (rowid, search_text) VALUES (%s, %s)",
                        [(p.pk, p.search_text) for p in created],
                    )
        bases.update((p.pk, base) for p, base in zip(created, names, strict=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_product")
    print(f"seeded {size:,} products in {time.perf_counter() - started:.1f}s")
    return bases


def _timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return (time.perf_counter() - started) * 1000, result


def measure(bases: dict[int, str]) -> list[list]:
    from omniretail.catalog import selectors
    from omniretail.catalog.models import Product
    from omniretail.catalog.tests import labels

    relevant_counts = Counter(bases.values())
    queries = [(q["kind"], q["query"], set(q["relevant"])) for q in labels.queries()]
    queries += [(kind, query, None) for kind, query in EXTRA_QUERIES]
    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    worst: dict[str, tuple[float, str]] = {}
    misses: list[str] = []
    for kind, query, relevant in queries:
        like_scan = Product.objects.filter(status="approved", name__icontains=query)
        for _ in range(REPEAT):
            ms, page = _timed(partial(_api_search, selectors.search_products(query)))
            stats[kind]["ms"].append(ms)
            like_ms, _ = _timed(partial(_api_search, like_scan.order_by("-created_at", "-id")))
            stats[kind]["like_ms"].append(like_ms)
        if relevant is not None:
            found = [bases[pk] for pk in page[:10]]
            total = sum(relevant_counts[name] for name in relevant)
            score = labels.recall_at(10, found, relevant, total)
            stats[kind]["recall10"].append(score)
            if score < 1:
                misses.append(f"{query} {score:.1f}: {'、'.join(found)}")
        like = set(
            Product.objects.filter(name__icontains=query.strip()).values_list("pk", flat=True)
        )
        if like:
            hits = set(selectors.search_products(query).values_list("pk", flat=True))
            recall = len(like & hits) / len(like)
            stats[kind]["like_recall"].append(recall)
            if recall < worst.get(kind, (2.0, ""))[0]:
                worst[kind] = (recall, query)
    from omniretail.catalog import discovery

    discovery.refresh()  # the suggestion keys of brands and categories
    for query in SUGGEST_QUERIES:
        for _ in range(REPEAT):
            ms, _ = _timed(partial(discovery.suggest, query))
            stats["suggest"]["ms"].append(ms)
    rows = []
    for kind, values in stats.items():
        like_ms = values.get("like_ms")
        recall10 = values.get("recall10")
        like_recall = values.get("like_recall")
        rows.append(
            [
                kind,
                len(values["ms"]) // REPEAT,
                f"{percentile(values['ms'], 50):.1f}",
                f"{percentile(values['ms'], 95):.1f}",
                f"{percentile(like_ms, 50):.1f}" if like_ms else "-",
                f"{sum(recall10) / len(recall10):.3f}" if recall10 else "-",
                f"{min(like_recall):.3f} ({worst[kind][1]})" if like_recall else "-",
            ]
        )
    all10 = [r for v in stats.values() for r in v.get("recall10", [])]
    print(f"recall@10 vs labels over {len(all10)} queries: {sum(all10) / len(all10):.3f}")
    for line in misses:
        print(f"  below 1: {line}")
    return rows


def _api_search(qs) -> list[int]:
    """What the API does for one request: count the matches (as far as the cap), read the
    first page."""
    from omniretail.catalog import selectors

    selectors.count_matches(qs, at_least=PAGE)
    return [p.pk for p in qs[:PAGE]]


def main() -> None:
    with django_database("search") as label:
        header(f"search: {SIZE:,} products on {label}, {REPEAT} runs per query")
        bases = seed_catalogue(random.Random(SEED), SIZE)
        rows = measure(bases)
        print_table(
            [
                "kind",
                "queries",
                "p50 ms",
                "p95 ms",
                "LIKE p50 ms",
                "recall@10 (labels)",
                "min recall vs LIKE (query)",
            ],
            rows,
        )


if __name__ == "__main__":
    main()
