import json

import pytest
from conftest import blueprint_document

from qbank.blueprint import blueprint_from_dict
from qbank.manifest import (
    ManifestError, build_manifest, papers_from_manifest, read_manifest, used_ids, variant_questions,
)
from qbank.select import select_papers


@pytest.fixture
def papers(bank):
    blueprint = blueprint_from_dict(blueprint_document())
    return select_papers(bank.questions, bank.syllabus, blueprint, 11, 2, distinct=True)


def test_manifest_round_trips_to_the_same_papers(bank, papers, tmp_path):
    manifest = build_manifest(bank.id, blueprint_document(), papers, 11, True)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    assert papers_from_manifest(read_manifest(path), bank) == papers


def test_items_record_order_and_key_letters(bank, papers):
    manifest = build_manifest(bank.id, blueprint_document(), papers, 11, True)
    for variant, paper in zip(manifest["variants"], papers):
        assert variant["label"] == paper.variant
        for item, paper_item in zip(variant["items"], paper.items):
            assert item["order"] == list(paper_item.order)
            assert item["key"] == ["ABCD"[p] for p in paper_item.key_positions]


def test_variant_questions_show_options_in_paper_order(bank, papers):
    manifest = build_manifest(bank.id, blueprint_document(), papers, 11, True)
    questions = variant_questions(manifest, "B", bank)
    assert [q.options for q in questions] == [item.options for item in papers[1].items]
    assert not any(q.shuffle for q in questions)


def test_used_ids_cover_every_variant(bank, papers):
    manifest = build_manifest(bank.id, blueprint_document(), papers, 11, True)
    assert used_ids(manifest) == {item.question.id for paper in papers for item in paper.items}


def test_a_changed_question_is_detected(bank, papers):
    from dataclasses import replace

    manifest = build_manifest(bank.id, blueprint_document(), papers, 11, True)
    changed_id = papers[0].items[0].question.id
    bank.questions = [replace(q, stem="Changed.") if q.id == changed_id else q for q in bank.questions]
    with pytest.raises(ManifestError, match="changed since the build"):
        papers_from_manifest(manifest, bank)
