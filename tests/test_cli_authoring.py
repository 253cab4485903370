"""CLI tests for add, edit, retire, approve and lint (CliRunner; interactive flows driven with input)."""

import json
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from qbank.bank import read_bank
from qbank.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()
ENV = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01


def run(*args, **kwargs):
    kwargs.setdefault("env", ENV)
    return runner.invoke(cli, [str(a) for a in args], **kwargs)


def snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


ADD = ("add", "--section", "1", "--stem", "Which planet has the most moons?", "--option", "Saturn",
       "--option", "Mercury", "--correct", "A", "--rationale", "Saturn has more than 140 known moons, the most.",
       "--rationale", "Mercury has no moons at all, so it cannot have the most.", "--author", "Ada")


def test_add_from_options(mini_bank):
    result = run(*ADD, "--tag", "moons", "--difficulty", "easy", "--bank", mini_bank)
    assert result.exit_code == 0, result.output
    assert result.stdout == "mini-1-004\n"
    doc = json.loads((mini_bank / "1-basics" / "mini-1-004.json").read_text())
    assert doc["options"][0] == {"text": "Saturn", "correct": True,
                                 "rationale": "Saturn has more than 140 known moons, the most."}
    assert (doc["status"], doc["revision"], doc["created"], doc["authors"], doc["tags"]) == (
        "draft", 1, "2026-01-01", ["Ada"], ["moons"])


def test_add_with_a_malformed_source_date_epoch_is_a_clear_error(mini_bank):
    before = snapshot(mini_bank)
    result = run(*ADD, "--bank", mini_bank, env={"SOURCE_DATE_EPOCH": "soon"})
    assert result.exit_code == 1 and "SOURCE_DATE_EPOCH='soon' is not a whole number" in result.stderr
    assert snapshot(mini_bank) == before


def test_add_missing_fields_is_a_clear_error_and_never_prompts(mini_bank):
    before = snapshot(mini_bank)
    result = run("add", "--section", "1", "--bank", mini_bank, input="")
    assert result.exit_code == 2 and "missing --stem" in result.stderr
    result = run("add", "--section", "1", "--stem", "Which?", "--option", "A", "--option", "B", "--bank", mini_bank)
    assert result.exit_code == 2 and "missing --correct" in result.stderr
    result = run("add", "--stem", "Which one?", "--option", "A", "--option", "B", "--correct", "1", "--bank", mini_bank)
    assert result.exit_code == 1 and "no syllabus section" in result.stderr
    result = run("add", "--section", "1", "--stem", "Which?", "--option", "A", "--option", "B", "--correct", "3",
                 "--bank", mini_bank)
    assert result.exit_code == 2 and "give an option number 1-2" in result.stderr
    assert snapshot(mini_bank) == before


def test_add_invalid_question_writes_nothing(mini_bank):
    before = snapshot(mini_bank)
    result = run("add", "--section", "1", "--stem", "Which planet is known as the **red planet**?",
                 "--option", "Mars", "--option", "Venus", "--correct", "1", "--bank", mini_bank)
    assert result.exit_code == 1 and "same stem as mini-1-001" in result.stderr
    assert snapshot(mini_bank) == before


def test_add_from_file_list_and_stdin(mini_bank, tmp_path):
    drafts = [{"type": "truefalse", "stem": "Venus is hotter than Mercury.", "syllabus": ["1.1"],
               "options": [{"text": "True", "correct": True}, {"text": "False", "correct": False}]},
              {"type": "single", "stem": "Which planet is largest?",
               "options": [{"text": "Jupiter", "correct": True}, {"text": "Mars", "correct": False}]}]
    path = tmp_path / "drafts.json"
    path.write_text(json.dumps(drafts))
    result = run("add", "--from-file", path, "--section", "1", "--author", "Ada", "--bank", mini_bank)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["mini-1-1-001", "mini-1-004"]
    result = run("add", "--from-file", "-", "--section", "1", "--bank", mini_bank,
                 input=json.dumps({"type": "single", "stem": "Which planet is smallest?",
                                   "options": [{"text": "Mercury", "correct": True}, {"text": "Mars", "correct": False}]}))
    assert result.stdout.split() == ["mini-1-005"]
    with_id = run("add", "--from-file", "-", "--bank", mini_bank, input=json.dumps({"id": "x", "stem": "s"}))
    assert with_id.exit_code == 1 and "leave out \"id\"" in with_id.stderr


INTERACTIVE_INPUT = "\n".join([
    "1",                       # section number: 1 Basics
    "single",                  # type
    "Which planet has the",    # stem, two lines
    "most moons?",
    "",                        # end of stem
    "Saturn", "y", "Saturn has more than 140 known moons, the most of any planet.",
    "Mercury", "n", "Mercury has no moons at all, so it cannot have the most.",
    "",                        # no more options
    "easy", "", "moons, count", "NASA planetary fact sheet", "",
    "y",                       # save
]) + "\n"


def test_add_interactive(mini_bank):
    result = run("add", "--interactive", "--author", "Ada", "--bank", mini_bank, input=INTERACTIVE_INPUT)
    assert result.exit_code == 0, result.output
    assert "✔ A. Saturn" in result.stdout  # shown as `qbank show` would
    assert "Save as mini-1-004?" in result.stdout
    doc = json.loads((mini_bank / "1-basics" / "mini-1-004.json").read_text())
    assert doc["stem"] == "Which planet has the\nmost moons?"
    assert doc["tags"] == ["moons", "count"] and doc["difficulty"] == "easy" and "bloom" not in doc
    assert doc["source"] == "NASA planetary fact sheet"


def test_add_interactive_no_or_ctrl_c_leaves_nothing(mini_bank):
    before = snapshot(mini_bank)
    no = INTERACTIVE_INPUT[: -len("y\n")] + "n\n"
    result = run("add", "--interactive", "--bank", mini_bank, input=no)
    assert result.exit_code == 1 and "Not saved" in result.stderr
    # input ends halfway, as Ctrl-D or Ctrl-C would: click aborts
    result = run("add", "--interactive", "--bank", mini_bank, input="1\nsingle\nWhich planet\n\nSaturn\n")
    assert result.exit_code == 1 and "Aborted" in result.stderr
    assert snapshot(mini_bank) == before


def test_add_interactive_stem_in_editor(mini_bank, monkeypatch):
    monkeypatch.setattr(click, "edit", lambda text="", **kwargs: "Which planet has\n\nthe most moons?\n")
    keys = INTERACTIVE_INPUT.split("\n")
    keys = keys[:2] + [":e"] + keys[5:]
    result = run("add", "--interactive", "--bank", mini_bank, input="\n".join(keys))
    assert result.exit_code == 0, result.output
    assert json.loads((mini_bank / "1-basics" / "mini-1-004.json").read_text())["stem"] == "Which planet has\n\nthe most moons?"


def test_edit_with_a_real_editor_bumps_the_revision(mini_bank, tmp_path):
    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      "p.write_text(p.read_text().replace('Mars is red because of iron oxide.', 'Rust colours Mars.'))\n")
    env = dict(ENV, EDITOR=f"{sys.executable} {script}")
    result = run("edit", "mini-1-001", "--bank", mini_bank, env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads((mini_bank / "1-basics" / "mini-1-001.json").read_text())
    assert (doc["explanation"], doc["revision"], doc["updated"]) == ("Rust colours Mars.", 2, "2026-01-01")


def test_edit_invalid_keeps_the_file_and_offers_to_reopen(mini_bank, monkeypatch):
    path = mini_bank / "1-basics" / "mini-1-001.json"
    original = path.read_bytes()
    versions = [path.read_text().replace('"correct": false', '"correct": true', 1), None]
    monkeypatch.setattr(click, "edit", lambda text, **kwargs: versions.pop(0))
    result = run("edit", "mini-1-001", "--bank", mini_bank, input="y\n")
    assert "exactly one correct option, found 2" in result.stderr
    assert "Re-open the editor" in result.stdout and result.exit_code == 0
    assert path.read_bytes() == original
    versions = ["{ broken"]
    result = run("edit", "mini-1-001", "--bank", mini_bank, input="n\n")
    assert result.exit_code == 1 and "invalid JSON" in result.stderr and "unchanged" in result.stderr
    assert path.read_bytes() == original


def test_retire_and_approve(mini_bank):
    result = run("retire", "mini-1-001", "--bank", mini_bank)
    assert result.exit_code == 0 and json.loads((mini_bank / "1-basics" / "mini-1-001.json").read_text())["status"] == "retired"
    assert read_bank(mini_bank).get("mini-1-001").status == "retired"
    result = run("approve", "mini-1-003", "--bank", mini_bank)
    assert result.exit_code == 0, result.output
    assert read_bank(mini_bank).get("mini-1-003").status == "approved"
    missing = run("approve", "nope", "--bank", mini_bank)
    assert missing.exit_code == 1 and "no question 'nope'" in missing.stderr


def test_approve_refuses_lint_errors_unless_forced(mini_bank):
    path = mini_bank / "1-basics" / "mini-1-003.json"
    doc = json.loads(path.read_text())
    doc["options"][0]["rationale"] = doc["options"][1]["rationale"]
    path.write_text(json.dumps(doc))
    result = run("approve", "mini-1-003", "--bank", mini_bank)
    assert result.exit_code == 1 and "rationale-repeated" in result.stderr
    assert json.loads(path.read_text())["status"] == "review"
    assert run("approve", "mini-1-003", "--force", "--bank", mini_bank).exit_code == 0


def test_lint_output_exit_codes_and_json(mini_bank):
    result = run("lint", mini_bank)
    assert result.exit_code == 0 and result.stdout.startswith("ok: 0 error(s)")
    path = mini_bank / "1-basics" / "mini-1-001.json"
    doc = json.loads(path.read_text())
    doc["options"][3]["text"] = "None of the above"
    doc["options"][2]["rationale"] = "Wrong."
    path.write_text(json.dumps(doc))
    result = run("lint", mini_bank)
    assert result.exit_code == 1
    assert f"{path}: none-of-the-above: $.options[3].text: " in result.stderr
    assert "(warning)" in result.stderr  # warnings are shown and marked
    as_json = json.loads(run("lint", "--format", "json", mini_bank).stdout)
    assert {"file", "rule", "severity", "json_path", "message"} <= set(as_json[0])
    assert run("lint", "--ignore", "none-of-the-above", mini_bank).exit_code == 0
    assert run("lint", "--rule", "stem-form", mini_bank).stdout.startswith("ok: 0 error(s), 0 warning(s)")
    only_file = run("lint", mini_bank / "1-basics" / "mini-1-002.json")
    assert only_file.exit_code == 0 and "in 1 questions" in only_file.stdout


def test_lint_reads_pyproject_configuration(mini_bank, tmp_path):
    path = mini_bank / "1-basics" / "mini-1-001.json"
    doc = json.loads(path.read_text())
    doc["options"][3]["text"] = "None of the above"
    path.write_text(json.dumps(doc))
    (tmp_path / "pyproject.toml").write_text('[tool.qbank.lint]\nwarnings = ["none-of-the-above"]\n')
    result = run("lint", mini_bank)
    assert result.exit_code == 0 and "none-of-the-above" in result.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.qbank.lint]\nignore = ["nope"]\n')
    result = run("lint", mini_bank)
    assert result.exit_code == 1 and "unknown rule(s) nope" in result.stderr


def test_lint_list_rules():
    result = run("lint", "--list-rules")
    assert result.exit_code == 0
    for rule_id in ("negative-stem", "longest-key", "near-duplicate", "key-position-balance"):
        assert rule_id in result.stdout
    assert "Flaw:" in result.stdout and "Fix:" in result.stdout


def test_pre_commit_hooks_run_real_commands():
    text = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text()
    ids = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("- id:")]
    entries = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.strip().startswith("entry:")]
    assert ids == ["qbank-validate", "qbank-lint"]
    for entry in entries:
        assert entry.split()[0] == "qbank" and entry.split()[1] in cli.commands
        assert run(*entry.split()[1:], FIXTURES / "mini" / "1-basics" / "mini-1-001.json").exit_code == 0
