import json

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, make_question
from qbank.bank import load_bank
from qbank.cli import cli
from qbank.errors import QbankError
from qbank.export import ExportError, bank_questions, export_questions, paper_questions
from qbank.errors import FormatError
from qbank.formats import ExportOptions
from qbank.manifest import ManifestError


@pytest.fixture
def bank(mini_bank):
    retired = mini_bank / "1-basics" / "mini-1-003.json"
    doc = json.loads(retired.read_text())
    doc["status"] = "retired"
    retired.write_text(json.dumps(doc))
    return load_bank(mini_bank)


def ids(questions):
    return [q.id for q in questions]


def test_filters_and_retired(bank):
    assert ids(bank_questions(bank)) == ["mini-1-001", "mini-1-002"]
    assert ids(bank_questions(bank, include_retired=True)) == ["mini-1-001", "mini-1-002", "mini-1-003"]
    assert ids(bank_questions(bank, status="retired")) == ["mini-1-003"]
    assert ids(bank_questions(bank, section="1.1")) == ["mini-1-002"]
    assert ids(bank_questions(bank, tag="planets")) == ["mini-1-001"]
    with pytest.raises(QbankError, match="unknown syllabus section '9'"):
        bank_questions(bank, section="9")


def test_unsupported_questions_are_all_named_and_nothing_is_written(bank):
    eleven = make_question("q-eleven", qtype="multiple", keys=tuple(range(11)), count=12)
    questions = bank.questions + [eleven]
    with pytest.raises(ExportError, match="q-eleven: 11 correct options") as raised:
        export_questions("moodle", questions, bank.syllabus)
    assert raised.value.unsupported[0][0] == "q-eleven"
    result = export_questions("moodle", questions, bank.syllabus, skip_unsupported=True)
    assert [qid for qid, _ in result.skipped] == ["q-eleven"] and result.exported == 3
    assert b"q-eleven" not in result.data


def test_unknown_format_and_empty_selection(bank):
    with pytest.raises(FormatError, match="unknown format 'nope'"):
        export_questions("nope", bank.questions, bank.syllabus)
    with pytest.raises(FormatError, match="no questions to export"):
        export_questions("moodle", [], bank.syllabus)


def write_manifest(path, variants):
    path.write_text(json.dumps({
        "qbank_manifest": 1, "bank": {"id": "mini"}, "blueprint": {"title": "Mock exam"}, "seed": 1,
        "variants": [{"label": label, "items": items} for label, items in variants],
    }))
    return path


def test_paper_questions_in_paper_order_with_options_permuted(bank, tmp_path):
    manifest = write_manifest(tmp_path / "manifest.json", [
        ("A", [{"id": "mini-1-002", "order": [3, 2, 1, 0]}, {"id": "mini-1-001", "order": [1, 0, 2, 3]}]),
        ("B", [{"id": "mini-1-001"}]),
    ])
    questions, category = paper_questions(manifest, "A", bank)
    assert ids(questions) == ["mini-1-002", "mini-1-001"]
    assert category == "Mock exam (variant A)"
    assert [o.text for o in questions[0].options] == ["Mars", "Earth", "Saturn", "Jupiter"]
    assert not any(q.shuffle for q in questions)
    with pytest.raises(ManifestError, match="choose a variant with --variant"):
        paper_questions(manifest, None, bank)


def test_blueprint_pools_give_each_question_to_the_first_matching_section(bank, tmp_path):
    from qbank.blueprint import read_blueprint
    from qbank.export import blueprint_pools

    path = tmp_path / "bp.json"
    path.write_text(json.dumps({"schema_version": 1, "title": "Mock", "sections": [
        {"title": "Sub", "count": 1, "syllabus": ["1.1"]},
        {"count": 1, "status": ["approved", "review"]}]}))
    pools = blueprint_pools(read_blueprint(path)[0], bank.questions, bank.syllabus)
    assert [(p.title, p.select, p.question_ids) for p in pools] == \
        [("Sub", 1, ("mini-1-002",)), ("Section 2", 1, ("mini-1-001",))]  # mini-1-003 is retired
    path.write_text(json.dumps({"schema_version": 1, "title": "Mock", "sections": [{"count": 3}]}))
    with pytest.raises(QbankError, match=r"section 1 \(Section 1\) draws 3 questions but only 2 match"):
        blueprint_pools(read_blueprint(path)[0], bank.questions, bank.syllabus)


@pytest.mark.parametrize("fmt", ["moodle", "qti"])
def test_a_control_character_in_a_section_title_is_a_clear_error(mini_bank, tmp_path, fmt):
    syllabus = mini_bank / "syllabus.json"
    syllabus.write_text(syllabus.read_text().replace('"Sub basics"', '"Sub\\u0007basics"'))
    out = tmp_path / "x.out"
    result = CliRunner().invoke(cli, ["export", fmt, "--bank", str(mini_bank), "-o", str(out)])
    assert result.exit_code == 1
    assert "syllabus.json: section 1.1 title contains the character U+0007" in result.stderr
    assert not out.exists()
