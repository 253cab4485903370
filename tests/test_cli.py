import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from qbank.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(cli, [str(a) for a in args], **kwargs)


def test_validate_ok():
    result = run("validate", FIXTURES / "mini")
    assert result.exit_code == 0, result.output
    assert "ok: 3 questions" in result.stdout


def test_validate_reports_every_problem_and_exits_1():
    result = run("validate", FIXTURES / "broken")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.endswith("malformed.json:5:3: invalid JSON: Expecting ',' delimiter") for line in lines)
    assert any("two-keys.json: $.options: a single question needs exactly one correct option, found 2" in line for line in lines)
    assert lines[-1].startswith("12 problem(s)")
    assert "Traceback" not in result.output


def test_validate_json_output():
    result = run("validate", "--format", "json", FIXTURES / "broken")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert {"file", "line", "column", "json_path", "message", "severity"} <= set(problems[0])
    assert len(problems) == 12


def test_validate_a_question_file_checks_its_bank():
    result = run("validate", FIXTURES / "mini" / "1-basics" / "mini-1-001.json")
    assert result.exit_code == 0 and "3 questions" in result.stdout


def test_validate_missing_folder_is_an_error_not_a_traceback(tmp_path):
    result = run("validate", tmp_path / "nope")
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr and result.exception is None or isinstance(result.exception, SystemExit)


def test_bank_from_environment():
    result = run("list", env={"QBANK_BANK": str(FIXTURES / "mini")})
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("mini-1-001")


def test_list_filters():
    result = run("list", "--bank", FIXTURES / "mini", "--section", "1.1")
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["mini-1-002"]
    result = run("list", "--bank", FIXTURES / "mini", "--status", "review")
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["mini-1-003"]
    result = run("list", "--bank", FIXTURES / "mini", "--section", "7")
    assert result.exit_code == 1 and "unknown syllabus section '7'" in result.stderr


def test_commands_on_an_invalid_bank_say_so():
    result = run("list", "--bank", FIXTURES / "broken")
    assert result.exit_code == 1 and "the bank has 12 problems" in result.stderr


def test_show_renders_key_and_rationales():
    result = run("show", "mini-1-001", "--bank", FIXTURES / "mini")
    assert result.exit_code == 0
    assert "✔ B. Mars" in result.stdout
    assert "Iron oxide dust" in result.stdout
    assert "Which planet is known as the red planet?" in result.stdout
    missing = run("show", "nope", "--bank", FIXTURES / "mini")
    assert missing.exit_code == 1 and "no question 'nope'" in missing.stderr


def test_stats():
    result = run("stats", "--bank", FIXTURES / "mini", "--format", "json")
    figures = json.loads(result.stdout)
    assert figures["questions"] == 3
    assert figures["types"] == {"single": 1, "multiple": 1, "truefalse": 1}
    assert figures["key_positions"] == {"B": 1}
    assert figures["sections"][0] == {"id": "1", "title": "Basics", "depth": 0, "count": 3}


def test_python_dash_m_and_help_do_not_import_heavy_modules():
    code = ("import sys, runpy; sys.argv=['qbank','--help']\n"
            "try: runpy.run_module('qbank', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "heavy = [m for m in ('reportlab', 'docx', 'jsonschema', 'lxml') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "validate" in result.stdout
    assert "HEAVY []" in result.stdout


# -- export ------------------------------------------------------------------------------


def test_export_moodle_and_qti(tmp_path):
    import xml.etree.ElementTree as ET
    import zipfile

    result = run("export", "moodle", "--bank", FIXTURES / "mini", "-o", tmp_path / "sub" / "mini.xml")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "3 question(s) as moodle" in result.stdout
    root = ET.parse(tmp_path / "sub" / "mini.xml").getroot()
    assert sorted(q.findtext("idnumber") for q in root if q.get("type") != "category") == \
        ["mini-1-001", "mini-1-002", "mini-1-003"]
    result = run("export", "qti", "--bank", FIXTURES / "mini", "--status", "approved", "-o", tmp_path / "mini.zip")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "mini.zip") as archive:
        assert sorted(n for n in archive.namelist() if n.startswith("items/")) == \
            ["items/mini-1-001.xml", "items/mini-1-002.xml"]


def test_export_paper_variant(tmp_path):
    import xml.etree.ElementTree as ET

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"qbank_manifest": 1, "blueprint": {"title": "Mock"}, "variants": [
        {"label": "A", "items": [{"id": "mini-1-003", "order": [1, 0]}, {"id": "mini-1-001", "order": [3, 2, 1, 0]}]}]}))
    result = run("export", "moodle", "--bank", FIXTURES / "mini", "--paper", manifest, "--variant", "A",
                 "-o", tmp_path / "paper.xml")
    assert result.exit_code == 0, result.output
    root = ET.parse(tmp_path / "paper.xml").getroot()
    assert [q.findtext("category/text") or q.findtext("idnumber") for q in root] == \
        ["$course$/top/Mini bank/Mock (variant A)", "mini-1-003", "mini-1-001"]
    assert root[2].findtext("shuffleanswers") == "false"
    assert [a.findtext("text") for a in root[2].findall("answer")][0] == "<p>Mercury</p>"


def test_export_usage_errors_and_unknown_format(tmp_path):
    result = run("export", "moodle", "--bank", FIXTURES / "mini", "--variant", "A", "-o", tmp_path / "x.xml")
    assert result.exit_code == 2 and "--variant needs --paper" in result.stderr
    result = run("export", "pdfx", "--bank", FIXTURES / "mini", "-o", tmp_path / "x.xml")
    assert result.exit_code == 1 and "Error: unknown format 'pdfx'" in result.stderr
    assert not (tmp_path / "x.xml").exists()


def test_export_unsupported_question_fails_unless_skipped(mini_bank, tmp_path):
    doc = {"id": "mini-1-004", "type": "multiple", "stem": "Eleven keys?", "syllabus": ["1"], "status": "approved",
           "options": [{"text": f"Option {n}", "correct": n < 11, "rationale": "Because."} for n in range(12)]}
    (mini_bank / "1-basics" / "mini-1-004.json").write_text(json.dumps(doc))
    out = tmp_path / "out.xml"
    result = run("export", "moodle", "--bank", mini_bank, "-o", out)
    assert result.exit_code == 1
    assert "mini-1-004: 11 correct options" in result.stderr and "Traceback" not in result.output
    assert not out.exists()
    result = run("export", "moodle", "--bank", mini_bank, "--skip-unsupported", "-o", out)
    assert result.exit_code == 0, result.output
    assert "skipped mini-1-004: 11 correct options" in result.stderr and out.exists()


def test_export_qti_blueprint_draws_per_section(tmp_path):
    import xml.etree.ElementTree as ET
    import zipfile

    blueprint = tmp_path / "bp.json"
    blueprint.write_text(json.dumps({"schema_version": 1, "title": "Mini mock",
                                     "sections": [{"title": "Sub", "count": 1, "syllabus": ["1.1"]}]}))
    out = tmp_path / "mock.zip"
    result = run("export", "qti", "--bank", FIXTURES / "mini", "--blueprint", blueprint, "-o", out)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        test = ET.fromstring(archive.read("assessment-test.xml"))
        assert [n for n in archive.namelist() if n.startswith("items/")] == ["items/mini-1-002.xml"]
    ns = {"q": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
    assert test.get("title") == "Mini mock"
    assert test.find(".//q:assessmentSection/q:selection", ns).get("select") == "1"
    result = run("export", "moodle", "--bank", FIXTURES / "mini", "--blueprint", blueprint, "-o", out)
    assert result.exit_code == 2 and "--blueprint works with the qti format" in result.stderr
