from collections import Counter

import pytest
from conftest import blueprint_document

from qbank.blueprint import blueprint_from_dict
from qbank.errors import BuildError
from qbank.select import option_order, select_papers, spreadsheet_label, variant_labels


def papers_for(bank, seed=2026, variants=3, distinct=False, exclude=(), **blueprint_changes):
    blueprint = blueprint_from_dict(blueprint_document(**blueprint_changes))
    return select_papers(bank.questions, bank.syllabus, blueprint, seed, variants, distinct, exclude)


def ids(paper):
    return [item.question.id for item in paper.items]


def test_same_inputs_give_the_same_papers(bank):
    first, second = papers_for(bank), papers_for(bank)
    assert first == second
    assert [ids(p) for p in first] == [ids(p) for p in second]


def test_selection_does_not_depend_on_the_order_of_the_bank(bank):
    blueprint = blueprint_from_dict(blueprint_document())
    forward = select_papers(bank.questions, bank.syllabus, blueprint, 7, 2)
    backward = select_papers(list(reversed(bank.questions)), bank.syllabus, blueprint, 7, 2)
    assert forward == backward


def test_another_seed_gives_other_papers(bank):
    orders = {tuple(ids(papers_for(bank, seed=seed, variants=1)[0])) for seed in range(8)}
    assert len(orders) > 1


def test_sections_draw_their_counts_from_their_rules_without_repeats(bank):
    for paper in papers_for(bank):
        assert len(paper.items) == 10 == len(set(ids(paper)))
        singles, shapes = paper.items[:6], paper.items[6:]
        assert all(item.question.syllabus == ("1.1",) and item.section_title == "Singles" for item in singles)
        assert all(item.question.syllabus == ("1.2",) and item.section_title == "Shapes" for item in shapes)
        assert all(item.question.status == "approved" for item in paper.items)


def test_default_variants_share_questions_in_different_orders(bank):
    papers = papers_for(bank, variants=4)
    assert len({frozenset(ids(p)) for p in papers}) == 1
    assert len({tuple(ids(p)) for p in papers}) > 1


def test_distinct_variants_use_different_questions_where_the_bank_allows(bank):
    # 8 approved singles in 1.1 and 4 per paper: A and B can be disjoint.
    papers = papers_for(bank, variants=2, distinct=True,
                        sections=[{"count": 4, "syllabus": ["1.1"]}])
    assert not set(ids(papers[0])) & set(ids(papers[1]))
    # A third variant must reuse, and spreads the reuse evenly.
    papers = papers_for(bank, variants=3, distinct=True, sections=[{"count": 4, "syllabus": ["1.1"]}])
    uses = Counter(i for p in papers for i in ids(p))
    assert max(uses.values()) - min(uses.values()) <= 1 and len(uses) == 8


def test_key_letters_follow_the_shuffled_options(bank):
    for paper in papers_for(bank, variants=5):
        for item in paper.items:
            assert sorted(item.order) == list(range(len(item.question.options)))
            shown_correct = [i for i, option in enumerate(item.options) if option.correct]
            assert item.key_positions == tuple(shown_correct)
            assert [item.question.options[i] for i in item.order] == list(item.options)


def test_options_do_get_shuffled(bank):
    orders = {item.order for paper in papers_for(bank, variants=5) for item in paper.items if item.question.id.startswith("pap-1-0")}
    assert len(orders) > 1


def test_fixed_options_stay_and_unshuffled_questions_keep_their_order(bank):
    for paper in papers_for(bank, variants=8):
        for item in paper.items:
            question = item.question
            if not question.shuffle or question.type == "truefalse":
                assert item.order == tuple(range(len(question.options)))
            for position, option in enumerate(question.options):
                if option.fixed:
                    assert item.order[position] == position


def test_option_order_moves_only_unfixed_options():
    import random

    from qbank.model import Option, Question

    question = Question(id="q", type="single", stem="?", options=(
        Option("a", True), Option("b", False), Option("c", False, fixed=True), Option("d", False)))
    seen = {option_order(question, random.Random(n)) for n in range(30)}
    assert all(order[2] == 2 for order in seen) and len(seen) == 6


def test_excluded_ids_are_never_drawn(bank):
    excluded = {"pap-1-001", "pap-1-002"}
    for paper in papers_for(bank, variants=3, distinct=True, exclude=excluded):
        assert not excluded & set(ids(paper))


def test_the_blueprint_exclude_list_is_honoured(bank):
    blueprint = blueprint_from_dict(blueprint_document(exclude=["pap-1-003", "pap-1-004"]))
    for paper in select_papers(bank.questions, bank.syllabus, blueprint, 1, 4, distinct=True):
        assert not {"pap-1-003", "pap-1-004"} & set(ids(paper))


def test_status_rule_draws_review_questions_only_when_asked(bank):
    papers = papers_for(bank, sections=[{"count": 1, "syllabus": ["1.2"], "status": ["review"]}])
    assert ids(papers[0]) == ["pap-1-105"]


def test_rules_on_tags_types_and_difficulty(bank):
    paper = papers_for(bank, variants=1, sections=[
        {"count": 1, "types": ["multiple"]},
        {"count": 4, "tags": ["recall"]},
        {"count": 2, "difficulty": ["hard"], "exclude_tags": ["recall"]},
    ])[0]
    assert paper.items[0].question.id == "pap-1-102"
    assert all("recall" in item.question.tags for item in paper.items[1:5])
    assert all(item.question.difficulty == "hard" and "recall" not in item.question.tags for item in paper.items[5:])


def test_unsatisfiable_rule_names_the_rule_and_the_counts(bank):
    with pytest.raises(BuildError) as caught:
        papers_for(bank, sections=[{"title": "Singles", "count": 3, "syllabus": ["1.1"]},
                                   {"title": "Shapes", "count": 9, "syllabus": ["1.2"], "types": ["single"]}])
    message = str(caught.value)
    assert "section 2 (Shapes): asks for 9 questions matching syllabus 1.2, types single, status approved" in message
    assert "but only 2 match" in message
    assert "section 1" not in message
    assert "no paper was built" in message


def test_exclusions_count_against_the_rule(bank):
    everything = [f"pap-1-{n:03d}" for n in range(1, 9)]
    with pytest.raises(BuildError, match=r"asks for 6 .* but only 0 match"):
        papers_for(bank, exclude=everything)


def test_overlapping_rules_leave_narrow_sections_their_questions(bank):
    # The broad section (any approved, 11 of them) must not take the one
    # multiple-answer question the narrow section needs.
    papers = papers_for(bank, variants=6, sections=[{"count": 10}, {"count": 1, "types": ["multiple"]}])
    for paper in papers:
        assert paper.items[-1].question.id == "pap-1-102"
        assert len(set(ids(paper))) == 11


def test_variant_labels_run_past_z():
    assert [spreadsheet_label(n) for n in (0, 25, 26, 27, 51, 52, 701, 702)] == ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
    labels = variant_labels(500)
    assert len(set(labels)) == 500 and labels[:3] == ["A", "B", "C"] and labels[-1] == "SF"


def test_blueprint_labels_come_first():
    assert variant_labels(4, ("X", "B")) == ["X", "B", "A", "C"]


def test_five_hundred_variants(bank):
    papers = papers_for(bank, variants=500)
    assert len({p.variant for p in papers}) == 500
    assert papers[-1].variant == "SF"


def test_a_variant_is_the_same_whatever_the_number_of_variants(bank):
    assert papers_for(bank, variants=2)[1] == papers_for(bank, variants=5)[1]
