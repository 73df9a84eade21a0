"""The assistant against the demo knowledge base: the labelled questions (paraphrases,
typos, traditional characters, requests for a person and questions about something else)."""

import pytest

from omniretail.conftest import make_staff
from omniretail.service import demo
from omniretail.service.tests.labelled import evaluate, labelled


@pytest.fixture
def platform_kb(platform):
    demo.load_kb(
        actor=make_staff(platform, "kb-editor"), organization=platform, entries=demo.PLATFORM_KB
    )
    return platform


def test_the_labelled_set_is_large_and_varied():
    rows = labelled()
    kinds = {row["kind"] for row in rows}
    assert len(rows) >= 80
    assert {"paraphrase", "typo", "traditional", "out_of_scope", "person"} <= kinds


def test_top_1_accuracy_is_at_least_90_percent_and_every_out_of_scope_question_is_handed_off(
    platform_kb, db
):
    result = evaluate()

    accuracy = result["correct"] / result["total"]
    not_handed_off = [m for m in result["misses"] if m["kind"] in ("out_of_scope", "person")]
    assert not not_handed_off, not_handed_off
    assert accuracy >= 0.9, result["misses"]
