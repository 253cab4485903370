import json
import threading
from pathlib import Path

import pytest

from qbank import bank as bank_module
from qbank.bank import create_exclusive, load_bank, question_to_dict, read_bank, write_atomic
from qbank.errors import BankError, InvalidBankError

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def messages(bank_dir):
    return {(Path(p.file).name, p.json_path, p.line): p.message for p in read_bank(bank_dir).problems}


def test_valid_bank_loads_into_the_model():
    bank = load_bank(FIXTURES / "mini")
    assert [q.id for q in bank.questions] == ["mini-1-001", "mini-1-002", "mini-1-003"]
    mars = bank.get("mini-1-001")
    assert mars.correct_indexes == (1,) and mars.options[1].text == "Mars"
    assert bank.syllabus.ids_under("1") == {"1", "1.1"}


def test_every_problem_of_a_broken_bank_is_reported_in_one_run():
    found = messages(FIXTURES / "broken")
    assert found[("malformed.json", None, 5)] == "invalid JSON: Expecting ',' delimiter"
    assert found[("bad-encoding.json", None, 3)].startswith("not valid UTF-8 (byte 0xe9)")
    assert "byte order mark" in found[("bom.json", None, 1)]
    assert "empty" in found[("empty.json", None, 1)]
    assert found[("wrong-types.json", "$.options", None)] == "'A, B, C' is not of type 'array'"
    assert found[("wrong-types.json", "$.points", None)] == "'one' is not of type 'number'"
    assert "'rationale' is a required property" in found[("missing-rationale.json", "$.options[1]", None)]
    assert found[("unknown-section.json", "$.syllabus[0]", None)].startswith("unknown syllabus section '9.9'")
    assert "exactly one correct option, found 2" in found[("two-keys.json", "$.options", None)]
    assert "duplicate id 'two-keys'" in found[("two-keys.json", "$.id", None)]


def test_load_bank_raises_with_all_problems():
    with pytest.raises(InvalidBankError) as raised:
        load_bank(FIXTURES / "broken")
    assert len(raised.value.problems) == 12


def test_problems_are_grouped_by_file_in_path_order():
    files = [problem.file for problem in read_bank(FIXTURES / "broken").problems]
    assert files == sorted(files)


def test_a_question_file_larger_than_one_read_is_read_whole(mini_bank):
    path = mini_bank / "1-basics" / "mini-1-001.json"
    doc = json.loads(path.read_text())
    doc["explanation"] = "Long. " * 40_000  # 240 kB, several os.read calls
    path.write_text(json.dumps(doc))
    assert bank_module.read_bytes(path) == path.read_bytes()
    assert read_bank(mini_bank).get("mini-1-001").explanation == doc["explanation"]


def test_what_json_allows_but_the_json_standard_does_not_is_an_error(mini_bank):
    path = mini_bank / "1-basics" / "mini-1-001.json"
    path.write_text(path.read_text().replace('"points": 1', '"points": NaN').replace("{", '{"revision": NaN, ', 1))
    found = messages(mini_bank)
    assert found[("mini-1-001.json", None, 1)].startswith("invalid JSON: ")


def test_draft_may_lack_rationales(mini_bank):
    path = mini_bank / "1-basics" / "mini-1-001.json"
    doc = json.loads(path.read_text())
    for option in doc["options"]:
        del option["rationale"]
    doc["status"] = "draft"
    path.write_text(json.dumps(doc))
    assert read_bank(mini_bank).problems == []


def test_file_name_must_match_id_and_stems_must_differ(mini_bank):
    source = mini_bank / "1-basics" / "mini-1-001.json"
    doc = json.loads(source.read_text())
    doc["id"] = "mini-1-009"
    (mini_bank / "1-basics" / "other.json").write_text(json.dumps(doc))
    found = messages(mini_bank)
    assert "differs from the file name 'other.json'" in found[("other.json", "$.id", None)]
    assert found[("other.json", "$.stem", None)].startswith("same stem as mini-1-001")


def test_truefalse_needs_true_and_false(mini_bank):
    path = mini_bank / "1-basics" / "mini-1-003.json"
    doc = json.loads(path.read_text())
    doc["options"][1]["text"] = "Maybe"
    path.write_text(json.dumps(doc))
    assert "texts \"True\" and \"False\"" in messages(mini_bank)[("mini-1-003.json", "$.options", None)]


def test_newer_bank_format_is_rejected_clearly(mini_bank):
    path = mini_bank / "syllabus.json"
    doc = json.loads(path.read_text())
    doc["schema_version"] = 2
    path.write_text(json.dumps(doc))
    found = messages(mini_bank)
    assert "format version 2, but this qbank reads version 1" in found[("syllabus.json", "$.schema_version", None)]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(BankError, match="no such file or folder"):
        bank_module.find_banks(tmp_path / "nope")
    with pytest.raises(BankError, match="no bank here"):
        bank_module.find_banks(tmp_path)


def test_questions_read_fast_equal_those_made_by_their_constructor():
    from dataclasses import asdict, fields

    from qbank.model import Option, Question

    for question in load_bank(FIXTURES / "mini").questions + load_bank(REPO / "questions" / "itil4-foundation").questions:
        assert set(vars(question)) == {f.name for f in fields(Question)}
        for option in question.options:
            assert set(vars(option)) == {f.name for f in fields(Option)}
        values = asdict(question)
        values["options"] = tuple(Option(**option) for option in values["options"])
        rebuilt = Question(**values)
        assert rebuilt == question and hash(rebuilt) == hash(question)


def test_dumps_writes_what_json_dumps_with_indent_writes():
    import glob

    files = sorted(glob.glob(str(REPO / "questions" / "*" / "*" / "*.json"))) + [str(FIXTURES / "mini" / "syllabus.json")]
    for file in files:
        doc = json.loads(Path(file).read_text(encoding="utf-8"))
        assert bank_module.dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    tricky = {"text": "\x1b \x7f \u2028 é 😀 \" \\ /", "empty": [], "nested": [{}, [1, 2.5]], "big": 2**70}
    assert bank_module.dumps(tricky) == json.dumps(tricky, indent=2, ensure_ascii=False) + "\n"


def test_question_round_trips_through_dict():
    bank = load_bank(FIXTURES / "mini")
    for question in bank.questions:
        assert bank_module.question_from_dict(question_to_dict(question)) == question


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "q.json"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["q.json"]


def test_create_exclusive_never_overwrites(tmp_path):
    target = tmp_path / "q.json"
    results = []
    threads = [threading.Thread(target=lambda n=n: results.append((n, create_exclusive(target, f"writer {n}"))))
               for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [n for n, ok in results if ok]
    assert len(winners) == 1
    assert target.read_text() == f"writer {winners[0]}"
    assert [p.name for p in tmp_path.iterdir()] == ["q.json"]


def test_create_all_exclusive_never_replaces_and_leaves_no_temporary_files(tmp_path):
    from qbank.bank import create_all_exclusive

    (tmp_path / "b.json").write_text("old")
    created, taken = create_all_exclusive([(tmp_path / "a.json", "A"), (tmp_path / "b.json", "B"),
                                           (tmp_path / "c.json", "C")])
    assert created == [tmp_path / "a.json"] and taken == tmp_path / "b.json"
    assert (tmp_path / "b.json").read_text() == "old" and not (tmp_path / "c.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]
    created, taken = create_all_exclusive([(tmp_path / "sub" / "d.json", "D")])
    assert taken is None and (tmp_path / "sub" / "d.json").read_text() == "D"
def test_write_atomic_writes_bytes_and_gives_new_files_normal_permissions(tmp_path):
    import os

    from qbank.bank import write_atomic

    target = tmp_path / "out.bin"
    write_atomic(target, b"\x00\xffdata")
    assert target.read_bytes() == b"\x00\xffdata"
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    target.chmod(0o600)
    write_atomic(target, "text")
    assert target.read_text() == "text" and target.stat().st_mode & 0o777 == 0o600
