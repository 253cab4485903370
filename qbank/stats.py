"""Figures about a bank: counts and answer-key balance."""

from __future__ import annotations

from collections import Counter
from string import ascii_uppercase

from qbank.model import BLOOM_LEVELS, DIFFICULTIES, QUESTION_TYPES, STATUSES

LETTERS = ascii_uppercase


def bank_stats(bank) -> dict:
    questions = bank.questions
    sections = []
    for section, ancestors in bank.syllabus.walk():
        under = bank.syllabus.ids_under(section.id)
        count = sum(1 for q in questions if under.intersection(q.syllabus))
        sections.append({"id": section.id, "title": section.title, "depth": len(ancestors), "count": count})

    def ordered(counter, order):
        return {k: counter[k] for k in order if counter[k]} | {k: v for k, v in sorted(counter.items(), key=str) if k not in order}

    key_positions = Counter(
        LETTERS[q.correct_indexes[0]] for q in questions if q.type == "single" and len(q.correct_indexes) == 1
    )
    return {
        "bank": bank.id,
        "questions": len(questions),
        "sections": sections,
        "types": ordered(Counter(q.type for q in questions), QUESTION_TYPES),
        "difficulty": ordered(Counter(q.difficulty or "unset" for q in questions), DIFFICULTIES),
        "bloom": ordered(Counter(q.bloom or "unset" for q in questions), BLOOM_LEVELS),
        "status": ordered(Counter(q.status for q in questions), STATUSES),
        "key_positions": dict(sorted(key_positions.items())),
    }
