"""`qbank build` end to end: files, manifest, reproducibility, errors."""

import io
import json
from pathlib import Path

import docx
import pypdf
from click.testing import CliRunner
from conftest import blueprint_document

from qbank.cli import cli
from qbank.markup import to_plain

REPO = Path(__file__).parent.parent
runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(cli, [str(a) for a in args], **kwargs)


def build(blueprint_file, paper_bank, out, *extra):
    result = run("build", blueprint_file, "--bank", paper_bank, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return result


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_build_writes_papers_keys_and_manifest(blueprint_file, paper_bank, tmp_path):
    result = build(blueprint_file, paper_bank, tmp_path / "out", "--seed", "7", "--variants", "2")
    names = sorted(files_of(tmp_path / "out"))
    assert names == sorted(["manifest.json"] + [f"test-exam-{v}{kind}.{ext}" for v in "AB"
                                                 for kind in ("", "-key") for ext in ("pdf", "docx")])
    assert "2 variant(s) of 'Test exam' (10 questions, seed 7): 9 files" in result.stdout
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["qbank_manifest"] == 1 and manifest["seed"] == 7 and manifest["distinct"] is False
    assert manifest["bank"]["id"] == "papers" and manifest["bank"]["content_hash"].startswith("sha256:")
    assert manifest["blueprint"] == blueprint_document()
    assert [v["label"] for v in manifest["variants"]] == ["A", "B"]
    item = manifest["variants"][0]["items"][0]
    assert set(item) == {"id", "order", "key"} and len(item["key"]) == 1


def test_built_files_read_back_with_every_stem_and_key(blueprint_file, paper_bank, tmp_path):
    from qbank.bank import load_bank

    out = tmp_path / "out"
    build(blueprint_file, paper_bank, out, "--variants", "2", "--answer-sheet")
    bank = load_bank(paper_bank)
    manifest = json.loads((out / "manifest.json").read_text())
    for variant in manifest["variants"]:
        label = variant["label"]
        paper = pypdf.PdfReader(out / f"test-exam-{label}.pdf")
        key = pypdf.PdfReader(out / f"test-exam-{label}-key.pdf")
        assert len(paper.pages) >= 3 and len(key.pages) >= 2  # cover, questions, answer sheet / grid, debrief
        paper_text = " ".join(" ".join(page.extract_text().split()) for page in paper.pages)
        grid = " ".join(key.pages[0].extract_text().split())
        word = docx.Document(out / f"test-exam-{label}.docx").element.body.xpath("string(.)")  # question rows are table cells
        key_table = [c.text for row in docx.Document(out / f"test-exam-{label}-key.docx").tables[0].rows for c in row.cells]
        for number, item in enumerate(variant["items"], start=1):
            stem = to_plain(bank.get(item["id"]).stem).split("\n")[0]
            assert " ".join(stem.split()) in paper_text and stem in word
            letters = ", ".join(item["key"])
            assert f" {number} {letters}" in f" {grid} "
            assert key_table[key_table.index(str(number)) + 1] == letters


def test_rebuilding_gives_byte_identical_files(blueprint_file, paper_bank, tmp_path):
    build(blueprint_file, paper_bank, tmp_path / "one", "--variants", "3", "--answer-sheet")
    build(blueprint_file, paper_bank, tmp_path / "two", "--variants", "3", "--answer-sheet")
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")


def test_parallel_and_serial_builds_are_identical(blueprint_file, paper_bank, tmp_path):
    build(blueprint_file, paper_bank, tmp_path / "serial", "--variants", "3", "--jobs", "1")
    build(blueprint_file, paper_bank, tmp_path / "parallel", "--variants", "3", "--jobs", "3")
    assert files_of(tmp_path / "serial") == files_of(tmp_path / "parallel")


def test_source_date_epoch_sets_the_dates(blueprint_file, paper_bank, tmp_path):
    build(blueprint_file, paper_bank, tmp_path / "default", "--format", "pdf")
    result = run("build", blueprint_file, "--bank", paper_bank, "--out", tmp_path / "dated", "--format", "pdf",
                 env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.exit_code == 0
    dated = pypdf.PdfReader(tmp_path / "dated" / "test-exam-A.pdf").metadata["/CreationDate"]
    default = pypdf.PdfReader(tmp_path / "default" / "test-exam-A.pdf").metadata["/CreationDate"]
    assert dated.startswith("D:20231114") and default.startswith("D:2000")
    bad = run("build", blueprint_file, "--bank", paper_bank, "--out", tmp_path / "bad", env={"SOURCE_DATE_EPOCH": "soon"})
    assert bad.exit_code == 1 and "SOURCE_DATE_EPOCH='soon' is not a whole number" in bad.stderr


def test_from_manifest_rebuilds_the_same_files(blueprint_file, paper_bank, tmp_path):
    build(blueprint_file, paper_bank, tmp_path / "first", "--variants", "2", "--seed", "99", "--distinct")
    result = run("build", "--from-manifest", tmp_path / "first" / "manifest.json", "--bank", paper_bank,
                 "--out", tmp_path / "again")
    assert result.exit_code == 0, result.output
    assert files_of(tmp_path / "first") == files_of(tmp_path / "again")


def test_from_manifest_refuses_a_changed_bank(blueprint_file, paper_bank, tmp_path):
    build(blueprint_file, paper_bank, tmp_path / "first")
    manifest = json.loads((tmp_path / "first" / "manifest.json").read_text())
    used = manifest["variants"][0]["items"][0]["id"]
    path = next(paper_bank.rglob(f"{used}.json"))
    question = json.loads(path.read_text())
    question["stem"] = "A reworded stem."
    path.write_text(json.dumps(question))
    result = run("build", "--from-manifest", tmp_path / "first" / "manifest.json", "--bank", paper_bank,
                 "--out", tmp_path / "again")
    assert result.exit_code == 1
    assert "the questions it uses changed since the build" in result.stderr
    assert not (tmp_path / "again").exists()


def test_unsatisfiable_blueprint_names_the_rule_and_writes_nothing(paper_bank, tmp_path):
    path = tmp_path / "too-big.json"
    path.write_text(json.dumps(blueprint_document(sections=[{"title": "Singles", "count": 9, "syllabus": ["1.1"]}])))
    result = run("build", path, "--bank", paper_bank, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "section 1 (Singles): asks for 9 questions matching syllabus 1.1, status approved, but only 8 match" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_exclude_used_draws_fresh_questions(paper_bank, tmp_path):
    path = tmp_path / "quiz.json"
    path.write_text(json.dumps(blueprint_document(sections=[{"count": 4, "syllabus": ["1.1"]}])))
    build(path, paper_bank, tmp_path / "first", "--format", "pdf")
    build(path, paper_bank, tmp_path / "second", "--format", "pdf", "--exclude-used", tmp_path / "first" / "manifest.json",
          "--exclude", "pap-1-001")
    first, second = (json.loads((tmp_path / name / "manifest.json").read_text()) for name in ("first", "second"))
    first_ids = {i["id"] for i in first["variants"][0]["items"]}
    second_ids = {i["id"] for i in second["variants"][0]["items"]}
    assert not first_ids & second_ids and "pap-1-001" not in second_ids
    third = run("build", path, "--bank", paper_bank, "--out", tmp_path / "third",
                "--exclude-used", tmp_path / "first" / "manifest.json", "--exclude-used", tmp_path / "second" / "manifest.json")
    assert third.exit_code == 1 and "but only 0 match" in third.stderr and "question ids excluded" in third.stderr


def test_many_variants_show_a_progress_bar(blueprint_file, paper_bank, tmp_path):
    result = build(blueprint_file, paper_bank, tmp_path / "out", "--variants", "5", "--format", "docx")
    assert "Building variants" in result.stderr
    assert (tmp_path / "out" / "test-exam-E-key.docx").is_file()
    assert "wrote" not in result.stdout


def test_a_blueprint_for_another_bank_is_refused(blueprint_file, tmp_path):
    result = run("build", blueprint_file, "--bank", REPO / "tests" / "fixtures" / "mini", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "draws from bank 'papers', but" in result.stderr and "is bank 'mini'" in result.stderr


def test_blueprint_or_manifest_is_required(tmp_path):
    result = run("build", "--out", tmp_path)
    assert result.exit_code == 2 and "give a BLUEPRINT, or --from-manifest" in result.stderr


def test_the_itil_mock_builds_from_the_shipped_bank(tmp_path):
    result = run("build", REPO / "templates" / "itil4-foundation-mock.json", "--bank", REPO / "questions" / "itil4-foundation",
                 "--seed", "2026", "--out", tmp_path, "--format", "pdf")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["variants"][0]["items"]) == 40
    paper = pypdf.PdfReader(io.BytesIO((tmp_path / "itil4-foundation-mock-A.pdf").read_bytes()))
    assert "Time allowed 60 minutes" in " ".join(paper.pages[0].extract_text().split())


def test_from_manifest_refuses_selection_options(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")
    result = run("build", "--from-manifest", manifest, "--seed", "3", "--out", tmp_path)
    assert result.exit_code == 2 and "--seed does not go with --from-manifest" in result.stderr
