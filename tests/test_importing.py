"""qbank import: the pipeline (sections, ids, validation, all-or-nothing writes) and its safety."""

import hashlib
import re
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qbank.bank import load_bank
from qbank.cli import cli
from qbank.formats import ExportOptions
from test_moodle import BILLION_LAUGHS, xxe

GIFT_TWO = """$CATEGORY: $course$/top/Mini bank/1 Basics

// [id:own-id-1] [tag:Imported]
::First::What is *one*?{=1#Yes. ~2#No, two.}

::Second::The sky is blue.{T}
"""


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def bank_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_gift_import_keeps_free_ids_and_maps_known_categories(tmp_path, mini_bank):
    file = write(tmp_path, "two.gift", GIFT_TWO)
    result = run("import", "gift", file, "--into", mini_bank)
    assert result.exit_code == 0, result.output
    assert "2 question(s) valid, 0 invalid, 0 skipped" in result.stdout
    bank = load_bank(mini_bank)
    first, second = bank.get("own-id-1"), bank.get("mini-1-004")
    assert first.stem == "What is \\*one\\*?" and first.status == "draft" and first.syllabus == ("1",)
    assert first.tags == ("imported",) and first.options[1].rationale == "No, two."
    assert second.type == "truefalse" and second.options[0].correct
    assert bank.paths["mini-1-004"] == mini_bank / "1-basics" / "mini-1-004.json"


def test_dry_run_writes_nothing(tmp_path, mini_bank):
    before = bank_hash(mini_bank)
    file = write(tmp_path, "two.gift", GIFT_TWO.replace("/1 Basics", "/New topic"))
    result = run("import", "gift", file, "--into", mini_bank, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would add section 2 'New topic' to the syllabus" in result.stdout
    assert f"would write {mini_bank / '2-new-topic' / 'own-id-1.json'}" in result.stdout
    assert bank_hash(mini_bank) == before


def test_moodle_categories_become_sections(moodle_fixtures, mini_bank):
    file = moodle_fixtures / "question/format/xml/tests/fixtures/nested_categories_with_questions.xml"
    result = run("import", "moodle", file, "--into", mini_bank)
    assert result.exit_code == 0, result.output
    assert "skipped: 'Kappa Essay Question' (essay): qbank does not model this type" in result.stderr
    syllabus = json.loads((mini_bank / "syllabus.json").read_text())
    iota = syllabus["sections"][1]
    assert (iota["id"], iota["title"]) == ("2", "Iota")
    assert [(c["id"], c["title"]) for c in iota["children"]] == [("2.1", "Kappa"), ("2.2", "Mu")]
    assert iota["children"][0]["children"] == [{"id": "2.1.1", "title": "Lambda"}]
    bank = load_bank(mini_bank)
    assert {q.id: q.syllabus for q in bank.questions if q.id.startswith("mini-2")} == {
        "mini-2-001": ("2",), "mini-2-1-001": ("2.1",), "mini-2-1-1-001": ("2.1.1",), "mini-2-2-001": ("2.2",)}
    assert bank.get("mini-2-001").stem == "Testing Iota Question"


def test_every_moodle_fixture_imports_or_fails_cleanly(moodle_fixtures, tmp_path):
    import shutil

    for file in sorted(moodle_fixtures.rglob("*.xml")):
        bank = tmp_path / file.parent.parent.parent.name / file.stem
        shutil.copytree(Path(__file__).parent / "fixtures" / "mini", bank)
        result = run("import", "moodle", file, "--into", bank, "--section", "1.1")
        assert "Traceback" not in result.output
        if "error_invalid_grades" in file.name:
            assert result.exit_code == 1 and "nothing was written" in result.stderr
        else:
            assert result.exit_code == 0, (file, result.output)
            assert load_bank(bank)  # still a valid bank


def test_map_category_and_taken_ids(tmp_path, mini_bank):
    text = GIFT_TWO.replace("/1 Basics", "/Old name").replace("own-id-1", "mini-1-001")
    file = write(tmp_path, "two.gift", text)
    result = run("import", "gift", file, "--into", mini_bank, "--map-category", "Old name=1.1")
    assert result.exit_code == 0, result.output
    assert "its id 'mini-1-001' is taken in the bank; given mini-1-1-001" in result.stderr
    bank = load_bank(mini_bank)
    assert bank.get("mini-1-1-001").syllabus == ("1.1",) and bank.get("mini-1-1-002").type == "truefalse"


def test_no_category_needs_section(tmp_path, mini_bank):
    file = write(tmp_path, "q.txt", "What?\nA) a\nB) b\nANSWER: A\n")
    result = run("import", "aiken", file, "--into", mini_bank)
    assert result.exit_code == 1 and "choose their syllabus section with --section" in result.stderr
    result = run("import", "aiken", file, "--into", mini_bank, "--section", "1.1")
    assert result.exit_code == 0
    assert "note: 1 question(s) have options without a rationale" in result.stderr
    assert load_bank(mini_bank).get("mini-1-1-001").options[0].rationale is None


def test_nothing_is_written_if_any_question_is_invalid_unless_partial(tmp_path, mini_bank):
    # The second question repeats a stem of the bank: the bank's duplicate rule rejects it.
    file = write(tmp_path, "q.txt", "A new question?\nA) a\nB) b\nANSWER: A\n\n"
                                    "Which planet is known as the **red planet**?\nA) Mars\nB) Venus\nANSWER: A\n")
    before = bank_hash(mini_bank)
    result = run("import", "aiken", file, "--into", mini_bank, "--section", "1")
    assert result.exit_code == 1
    assert "1 of 2 question(s) would be invalid, so nothing was written" in result.stderr
    assert "same stem as mini-1-001" in result.stderr
    assert bank_hash(mini_bank) == before
    result = run("import", "aiken", file, "--into", mini_bank, "--section", "1", "--partial")
    assert result.exit_code == 0, result.output
    assert "1 question(s) valid, 1 invalid" in result.stdout
    assert load_bank(mini_bank).get("mini-1-004").stem == "A new question?"


def test_unknown_section_is_an_error(tmp_path, mini_bank):
    file = write(tmp_path, "q.txt", "Q?\nA) a\nB) b\nANSWER: A\n")
    result = run("import", "aiken", file, "--into", mini_bank, "--section", "9")
    assert result.exit_code == 1 and "unknown syllabus section '9'" in result.stderr


@pytest.mark.parametrize("name, data, fmt, message", [
    ("laughs.xml", BILLION_LAUGHS, "moodle", "refused: the file declares a DTD"),
    ("truncated.xml", b'<?xml version="1.0"?>\n<quiz><question type="truefalse"><name><text>Q</te', "moodle",
     "truncated.xml:2:.*not well-formed XML"),
    ("wrong.xml", GIFT_TWO.encode(), "moodle", "this is not XML"),
    ("wrong.gift", b"Q?\nA) a\nB) b\nANSWER: A\n", "gift", "no GIFT question found"),
    ("wrong.txt", b"<?xml version='1.0'?><quiz></quiz>", "aiken", "this is XML, not Aiken"),
    ("quiz.gift", b"<?xml version='1.0'?><quiz></quiz>", "gift", "this is XML, not GIFT"),
    ("empty.gift", b"\n// only a comment\n", "gift", "no questions found; is this a gift file"),
    ("latin1.gift", "::Q::Ça va?{T}".encode("latin-1"), "gift", r"latin1.gift:1:6: not valid UTF-8 \(byte 0xc7\)"),
    ("latin1.xml", "<quiz><question type='truefalse'><name><text>Ça</text></name></question></quiz>".encode("latin-1"),
     "moodle", "not valid UTF-8"),
])
def test_hostile_and_broken_files_leave_the_bank_untouched(tmp_path, mini_bank, name, data, fmt, message):
    before = bank_hash(mini_bank)
    result = run("import", fmt, write(tmp_path, name, data), "--into", mini_bank)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.output
    assert re.search(message, result.stderr), result.stderr
    assert bank_hash(mini_bank) == before


def test_xxe_never_reads_the_file(tmp_path, mini_bank):
    secret = write(tmp_path, "secret.txt", "TOP SECRET")
    before = bank_hash(mini_bank)
    result = run("import", "moodle", write(tmp_path, "xxe.xml", xxe(secret)), "--into", mini_bank)
    assert result.exit_code == 1 and "refused" in result.stderr and "TOP SECRET" not in result.output
    assert bank_hash(mini_bank) == before


def test_huge_file_is_refused_before_reading(tmp_path, mini_bank):
    huge = tmp_path / "huge.xml"
    with open(huge, "wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    before = bank_hash(mini_bank)
    result = run("import", "moodle", huge, "--into", mini_bank)
    assert result.exit_code == 1
    assert "200 MB is over the import limit of 100 MB" in result.stderr and "--max-size" in result.stderr
    assert bank_hash(mini_bank) == before


@pytest.mark.parametrize("format_name", ["moodle", "gift"])
def test_round_trip_of_the_shipped_bank(tmp_path, format_name):
    """Export the ITIL bank and import it into an empty copy: the same questions, as drafts."""
    import shutil

    from conftest import SHIPPED_BANK
    from qbank.formats import get_format

    source = load_bank(SHIPPED_BANK)
    target = tmp_path / "copy"
    target.mkdir()
    shutil.copy(SHIPPED_BANK / "syllabus.json", target / "syllabus.json")
    data = get_format(format_name).write_questions(source.questions, source.syllabus,
                                                   ExportOptions(title=source.syllabus.title))
    result = run("import", format_name, write(tmp_path, "all", data), "--into", target)
    assert result.exit_code == 0, result.output
    assert f"{len(source.questions)} question(s) valid, 0 invalid, 0 skipped" in result.stdout
    assert (target / "syllabus.json").read_bytes() == (SHIPPED_BANK / "syllabus.json").read_bytes()
    imported = load_bank(target)
    carried = ["stem", "type", "options", "explanation", "syllabus", "tags", "difficulty", "bloom"]
    carried += ["points", "shuffle"] if format_name == "moodle" else []
    for question in source.questions:
        back = imported.get(question.id)
        assert {k: getattr(back, k) for k in carried} == {k: getattr(question, k) for k in carried}
        assert back.status == "draft"
        assert imported.paths[question.id].parent.name == source.paths[question.id].parent.name


def test_import_help_has_an_example():
    assert "qbank import moodle quiz.xml --into" in run("import", "--help").stdout


def test_a_paper_export_goes_back_to_the_sections_its_tags_name(tmp_path, mini_bank):
    """A paper is exported as one category; qbank's syllabus: tags still say where each question lives."""
    from qbank.formats import get_format

    bank = load_bank(mini_bank)
    question = bank.get("mini-1-001")
    question = type(question)(**{**question.__dict__, "id": "moved-1", "stem": "A different stem?",
                                 "syllabus": ("1.1", "1")})
    data = get_format("moodle").write_questions([question], bank.syllabus,
                                                ExportOptions(category="Paper (variant A)", title="Mini bank"))
    result = run("import", "moodle", write(tmp_path, "paper.xml", data), "--into", mini_bank)
    assert result.exit_code == 0, result.output
    assert "section" not in result.stdout.split("writes")[0]  # no section was added
    assert load_bank(mini_bank).get("moved-1").syllabus == ("1.1", "1")


def test_an_id_used_twice_in_the_file_is_kept_once(tmp_path, mini_bank):
    text = "// [id:twice]\n::A::First?{T}\n\n// [id:twice]\n::B::Second?{F}\n\n// [id:Bad Id]\n::C::Third?{T}\n"
    result = run("import", "gift", write(tmp_path, "t.gift", text), "--into", mini_bank, "--section", "1")
    assert result.exit_code == 0, result.output
    assert "its id 'twice' is used twice in the file; given mini-1-004" in result.stderr
    assert "its id 'Bad Id' is not a valid qbank id; given mini-1-005" in result.stderr
    bank = load_bank(mini_bank)
    assert (bank.get("twice").stem, bank.get("mini-1-004").stem, bank.get("mini-1-005").stem) == (
        "First?", "Second?", "Third?")


def test_new_ids_follow_the_ledger_and_are_recorded_in_it(tmp_path, mini_bank):
    from qbank.authoring import LEDGER_FILE, issued_ids

    (mini_bank / LEDGER_FILE).write_text("mini-1-009\n")  # issued once, question since deleted
    file = write(tmp_path, "q.txt", "One?\nA) a\nB) b\nANSWER: A\n\nTwo?\nA) a\nB) b\nANSWER: B\n")
    result = run("import", "aiken", file, "--into", mini_bank, "--section", "1")
    assert result.exit_code == 0, result.output
    assert {"mini-1-010", "mini-1-011"} <= {q.id for q in load_bank(mini_bank).questions}
    assert issued_ids(mini_bank)[-2:] == ["mini-1-010", "mini-1-011"]
