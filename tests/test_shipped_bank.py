"""The ITIL 4 Foundation bank that qbank ships: valid, complete, balanced."""

from collections import Counter

import pytest

from qbank.bank import load_bank
from qbank.markup import to_plain

from conftest import SHIPPED_BANK

# The three sample questions at the end of the shared source text (stems
# lightly reworded in the bank): a phrase of the stem -> a phrase of the key.
SOURCE_SAMPLES = {
    "define a service relationship": "a cooperation between a service provider and a service consumer",
    "jointly review a service against the agreed outcomes, costs and risks": "service relationship management",
    "rarely exist in isolation": "providers and consumers at once",
}


@pytest.fixture(scope="module")
def bank():
    return load_bank(SHIPPED_BANK)


def test_size_and_coverage(bank):
    assert len(bank.questions) >= 60
    on_24 = [q for q in bank.questions if "2.4" in q.syllabus]
    assert len(on_24) >= 20
    assert all("2.4 Service relationships" in (q.source or "") for q in on_24)
    covered = {q.section for q in bank.questions}
    assert covered == {"2.1", "2.2", "2.3", "2.4", "2.5", "2.5.4"}


def test_the_three_source_questions_are_in_the_bank_with_their_keys(bank):
    for stem_phrase, key_phrase in SOURCE_SAMPLES.items():
        (question,) = [q for q in bank.questions if stem_phrase in to_plain(q.stem)]
        (key,) = [o for o in question.options if o.correct]
        assert key_phrase in key.text.lower(), question.id
        assert "source-sample" in question.tags


def test_every_option_has_a_rationale_to_learn_from(bank):
    for question in bank.questions:
        rationales = [o.rationale for o in question.options]
        assert all(r and len(r) >= 60 for r in rationales), question.id
        assert len(set(rationales)) == len(rationales), question.id


def test_mix_of_types_difficulties_and_bloom_levels(bank):
    assert Counter(q.type for q in bank.questions).keys() == {"single", "multiple", "truefalse"}
    assert len({q.difficulty for q in bank.questions}) == 3
    assert len({q.bloom for q in bank.questions}) >= 4
    assert any("list-style" in q.tags for q in bank.questions)


def test_key_positions_are_balanced(bank):
    positions = Counter(q.correct_indexes[0] for q in bank.questions if q.type == "single")
    share = max(positions.values()) / sum(positions.values())
    assert share <= 0.30, positions
