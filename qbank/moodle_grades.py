"""Grades Moodle accepts on an answer, shared by the Moodle XML and GIFT formats.

Moodle's importer (question/engine/bank.php, see
shared/conformance/MOODLE_XML_NOTES.md §3) accepts an answer fraction only
when it lies within 0.00001 of one of 41 values: 0, ±1 and ±p/q for a short
list of q. Anything else makes Moodle abort the whole import, so exporters
round to these values and importers check them the same way.
"""

from __future__ import annotations

from bisect import bisect_left

_POSITIVE = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333,
    0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
)
ACCEPTED_FRACTIONS: tuple[float, ...] = tuple(sorted({0.0, *_POSITIVE, *(-f for f in _POSITIVE)}))
TOLERANCE = 0.00001


def accepted_fraction(fraction: float) -> float | None:
    """The accepted value ``fraction`` (0..1 scale) stands for, or None if Moodle rejects it."""
    at = bisect_left(ACCEPTED_FRACTIONS, fraction - TOLERANCE)
    if at < len(ACCEPTED_FRACTIONS) and abs(ACCEPTED_FRACTIONS[at] - fraction) <= TOLERANCE:
        return ACCEPTED_FRACTIONS[at]
    return None


def share(count: int) -> float | None:
    """Each of ``count`` equal shares of full marks, if Moodle accepts 1/count; else None."""
    if count < 1:
        return None
    return accepted_fraction(1 / count)


def percent(fraction: float) -> str:
    """A fraction written as Moodle's percentage, with the 5 decimals thirds need (33.33333)."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def multiple_answer_fractions(correct: int, wrong: int) -> tuple[float, float] | None:
    """Fractions (each correct option, each wrong option) of a multiple-answer question.

    Correct options share full marks; wrong options share a full penalty, so
    ticking everything scores 0. None when Moodle accepts no such split
    (more than 10 correct or more than 10 wrong options).
    """
    plus = share(correct)
    minus = share(wrong) if wrong else 0.0
    if plus is None or minus is None:
        return None
    return plus, -minus
