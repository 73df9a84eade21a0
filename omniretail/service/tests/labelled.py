"""The labelled shopper questions (faq_questions.csv) and how the assistant is scored on
them: shared by the accuracy test and bench/faq.py."""

import csv
from pathlib import Path

from omniretail.service import assistant

QUESTIONS = Path(__file__).with_name("faq_questions.csv")


def labelled() -> list[dict]:
    with QUESTIONS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def predicted(reply: assistant.Reply) -> str:
    if reply.handoff:
        return "handoff"
    if reply.intent:
        return f"intent:{reply.intent}"
    return reply.faq.question


def evaluate(*, shopper=None, organization=None) -> dict:
    """Top-1 accuracy over every labelled question, and the misses."""
    rows = labelled()
    misses = []
    for row in rows:
        reply = assistant.answer(text=row["question"], shopper=shopper, organization=organization)
        got = predicted(reply)
        if got != row["expected"]:
            misses.append({**row, "got": got, "confidence": reply.confidence})
    return {"total": len(rows), "correct": len(rows) - len(misses), "misses": misses}
