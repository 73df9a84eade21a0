"""The labelled query set against the demo catalogue: what shoppers type (Chinese words,
synonyms, pinyin, initials, spaced, English, parts of names) finds the right goods in the
first ten results."""

from collections import defaultdict

import pytest

from omniretail.catalog import selectors
from omniretail.catalog.models import Product
from omniretail.catalog.tests import labels
from omniretail.demo import load_demo_city

pytestmark = pytest.mark.django_db


def test_the_labelled_queries_find_their_goods_in_the_first_ten():
    load_demo_city(product_total=80)  # every demo product, most of them with a padded copy
    catalogue = [labels.base_name(n) for n in Product.objects.values_list("name", flat=True)]
    by_kind: dict[str, list[float]] = defaultdict(list)
    misses = []
    for label in labels.queries():
        relevant = set(label["relevant"])
        found = [labels.base_name(p.name) for p in selectors.search_products(label["query"])[:10]]
        total = sum(1 for name in catalogue if name in relevant)
        score = labels.recall_at(10, found, relevant, total)
        by_kind[label["kind"]].append(score)
        if score < 1:
            misses.append((label["query"], round(score, 2), found))

    scores = [s for kind in by_kind.values() for s in kind]
    assert len(scores) >= 60
    assert set(by_kind) >= {"word", "synonym", "pinyin", "initials", "spaced", "english"}
    assert sum(scores) / len(scores) >= 0.95, misses
    for kind, values in by_kind.items():
        assert sum(values) / len(values) >= 0.9, (kind, misses)
