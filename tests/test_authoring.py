import json
import multiprocessing
import subprocess
import sys

import pytest

from qbank import authoring
from qbank.authoring import (
    AuthoringError,
    add_questions,
    issued_ids,
    new_question,
    next_number,
    revise,
    schema_reference,
    set_status,
    today,
)
from qbank.bank import read_bank
from qbank.errors import InvalidBankError


def draft(stem="Which gas makes up most of Earth's atmosphere?", section="1"):
    return new_question(
        {
            "type": "single",
            "stem": stem,
            "options": [
                {"text": "Nitrogen", "correct": True, "rationale": "Nitrogen is about 78% of dry air by volume."},
                {"text": "Oxygen", "correct": False, "rationale": "Oxygen is about 21%, not the largest share."},
            ],
        },
        section=section,
        authors=["Ada"],
        date="2026-01-02",
    )


def test_today_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert today() == "2023-11-14"


def test_new_question_sets_draft_bookkeeping_and_refuses_an_id():
    doc = draft()
    assert (doc["status"], doc["revision"], doc["created"], doc["updated"], doc["authors"]) == (
        "draft", 1, "2026-01-02", "2026-01-02", ["Ada"])
    assert doc["syllabus"] == ["1"]
    with pytest.raises(AuthoringError, match="leave out \"id\""):
        new_question({"id": "x-1", "stem": "s"}, section="1")
    with pytest.raises(AuthoringError, match="no syllabus section"):
        new_question({"stem": "s"})


def test_add_assigns_the_next_id_and_writes_a_valid_file(mini_bank):
    bank = read_bank(mini_bank)
    [(question_id, path)] = add_questions(bank, [draft()])
    assert question_id == "mini-1-004"
    assert path == mini_bank / "1-basics" / "mini-1-004.json"
    saved = json.loads(path.read_text())
    assert saved["id"] == question_id and saved["status"] == "draft"
    assert saved["$schema"] == "https://qbank.dev/schemas/question.schema.json"  # no schemas/ above tmp_path
    assert issued_ids(mini_bank) == ["mini-1-004"]
    assert read_bank(mini_bank).problems == []


def test_subsection_ids_and_a_new_section_folder(mini_bank):
    [(question_id, path)] = add_questions(read_bank(mini_bank), [draft(section="1.1")])
    assert question_id == "mini-1-1-001"
    assert path.parent.name == "1.1-sub-basics"


def test_a_deleted_id_is_never_reused(mini_bank):
    [(first, path)] = add_questions(read_bank(mini_bank), [draft()])
    path.unlink()
    [(second, _)] = add_questions(read_bank(mini_bank), [draft()])
    assert (first, second) == ("mini-1-004", "mini-1-005")


def test_a_lost_race_moves_on_to_the_next_id(mini_bank, monkeypatch):
    bank = read_bank(mini_bank)
    real_next = authoring.next_number
    # Another author wrote 004 between our look-up and our write.
    (mini_bank / "1-basics" / "mini-1-004.json").write_text("{}")
    monkeypatch.setattr(authoring, "next_number", lambda bank, base: 4)
    [(question_id, _)] = add_questions(bank, [draft()])
    assert question_id == "mini-1-005"
    assert (mini_bank / "1-basics" / "mini-1-004.json").read_text() == "{}"
    monkeypatch.setattr(authoring, "next_number", real_next)


def test_nothing_is_written_when_any_candidate_is_invalid(mini_bank):
    bank = read_bank(mini_bank)
    before = sorted(p.name for p in mini_bank.rglob("*"))
    bad = draft(stem="Which planet is known as the **red planet**?")  # same stem as mini-1-001
    with pytest.raises(InvalidBankError, match="same stem as mini-1-001"):
        add_questions(bank, [draft(stem="A fine new question?"), bad])
    assert sorted(p.name for p in mini_bank.rglob("*")) == before


def test_two_new_questions_with_the_same_stem_are_refused(mini_bank):
    with pytest.raises(InvalidBankError, match="same stem"):
        add_questions(read_bank(mini_bank), [draft(), draft()])


def _add_in_process(bank_root):
    bank = read_bank(bank_root)
    [(question_id, _)] = add_questions(bank, [draft(stem=f"Question from process {multiprocessing.current_process().name}?")])
    return question_id


def test_concurrent_adds_get_distinct_ids_and_overwrite_nothing(mini_bank):
    count = 6
    with multiprocessing.get_context("spawn").Pool(count) as pool:
        ids = pool.map(_add_in_process, [mini_bank] * count)
    assert len(set(ids)) == count
    files = sorted((mini_bank / "1-basics").glob("mini-1-*.json"))
    assert len(files) == 3 + count
    stems = {json.loads(f.read_text())["stem"] for f in files}
    assert len(stems) == 3 + count  # every process's question survived
    assert read_bank(mini_bank).problems == []


def test_concurrent_cli_adds(mini_bank):
    command = [sys.executable, "-m", "qbank", "add", "--bank", str(mini_bank), "--section", "1",
               "--option", "Yes", "--option", "No", "--correct", "1", "--author", "Ada"]
    runs = [subprocess.Popen(command + ["--stem", f"Is this question number {n} of the batch?"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
            for n in range(5)]
    results = [(run.communicate(), run.returncode) for run in runs]
    assert all(code == 0 for _, code in results), results
    ids = [out.strip() for (out, _), _ in results]
    assert len(set(ids)) == 5 and all(i.startswith("mini-1-") for i in ids)
    assert read_bank(mini_bank).problems == []


def test_next_number_takes_the_highest_ever_issued(mini_bank):
    bank = read_bank(mini_bank)
    (mini_bank / ".qbank-ids").write_text("mini-1-041\nmini-1-1-007\n")
    assert next_number(bank, "mini-1") == 42
    assert next_number(bank, "mini-1-1") == 8


def test_schema_reference_is_relative_when_the_schemas_are_found(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "question.schema.json").write_text("{}")
    folder = tmp_path / "questions" / "bank" / "2.4-x"
    folder.mkdir(parents=True)
    assert schema_reference(folder) == "../../../schemas/question.schema.json"


def test_revise_bumps_revision_only_when_content_changes(mini_bank):
    bank = read_bank(mini_bank)
    path = mini_bank / "1-basics" / "mini-1-001.json"
    doc = json.loads(path.read_text())
    same, problems = revise(bank, "mini-1-001", json.dumps(doc))
    assert same is None and problems == []
    doc["explanation"] = "Iron oxide (rust) colours the Martian dust."
    text, problems = revise(bank, "mini-1-001", json.dumps(doc), date="2026-02-03")
    assert problems == []
    saved = json.loads(text)
    assert saved["revision"] == 2 and saved["updated"] == "2026-02-03"
    unchanged = json.loads(path.read_text())
    unchanged["status"] = "review"  # bookkeeping only: no new revision
    text, _ = revise(bank, "mini-1-001", json.dumps(unchanged))
    assert json.loads(text)["revision"] == 1


def test_revise_reports_problems_and_refuses_an_id_change(mini_bank):
    bank = read_bank(mini_bank)
    doc = json.loads((mini_bank / "1-basics" / "mini-1-001.json").read_text())
    doc["options"][0]["correct"] = True
    text, problems = revise(bank, "mini-1-001", json.dumps(doc))
    assert text is None and "exactly one correct option, found 2" in problems[0].message
    doc["id"] = "other"
    _, problems = revise(bank, "mini-1-001", json.dumps(doc))
    assert "the id cannot change" in problems[0].message
    _, problems = revise(bank, "mini-1-001", "{ nope")
    assert problems[0].line == 1 and problems[0].message.startswith("invalid JSON")


def test_set_status_checks_the_question_for_the_new_status(mini_bank):
    bank = read_bank(mini_bank)
    [(question_id, path)] = add_questions(bank, [new_question(
        {"type": "truefalse", "stem": "Water boils at 100 °C at sea level.",
         "options": [{"text": "True", "correct": True}, {"text": "False", "correct": False}]},
        section="1")])
    bank = read_bank(mini_bank)
    with pytest.raises(InvalidBankError, match="'rationale' is a required property"):
        set_status(bank, question_id, "approved")
    assert json.loads(path.read_text())["status"] == "draft"
    path, changed = set_status(bank, "mini-1-001", "retired")
    assert changed and json.loads(path.read_text())["status"] == "retired"
    assert json.loads(path.read_text())["revision"] == 1
    assert set_status(read_bank(mini_bank), "mini-1-001", "retired")[1] is False
