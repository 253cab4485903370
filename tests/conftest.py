import json
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
SHIPPED_BANK = REPO / "questions" / "itil4-foundation"


@pytest.fixture
def mini_bank(tmp_path) -> Path:
    """A writable copy of the three-question fixture bank."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


def make_question(qid="q-001", qtype="single", keys=(1,), count=4, **fields):
    """A valid question built in code: options "Option A"…, keys at the given positions."""
    from qbank.model import Option, Question

    if qtype == "truefalse" and "options" not in fields:
        fields["options"] = (Option("True", 0 in keys, "Why true."), Option("False", 1 in keys, "Why false."))
    fields.setdefault("options", tuple(
        Option(f"Option {chr(65 + n)}", n in keys, f"Rationale {chr(65 + n)}.") for n in range(count)
    ))
    fields.setdefault("syllabus", ("1",))
    fields.setdefault("stem", f"Stem of {qid}?")
    return Question(id=qid, type=qtype, **fields)


def conformance_dir() -> Path | None:
    """shared/conformance beside the repository (CI), or beside a parent folder (a git worktree)."""
    for parent in REPO.resolve().parents:
        candidate = parent / "shared" / "conformance"
        if (candidate / "validate_qti.py").is_file():
            return candidate
    return None


@pytest.fixture
def moodle_fixtures() -> Path:
    """Moodle's own import/export fixtures (shared/conformance/moodle-fixtures), or skip."""
    found = conformance_dir()
    if found is None or not (found / "moodle-fixtures").is_dir():
        pytest.skip("shared/conformance/moodle-fixtures not found beside the repository")
    return found / "moodle-fixtures"


def _option(text, correct=False, **extra):
    return {"text": text, "correct": correct, "rationale": f"Why {text!r} is {'right' if correct else 'wrong'}.", **extra}


def paper_questions() -> list[dict]:
    """Questions with every shape a paper must print: markup, statement lists,
    several keys, fixed options, no shuffling, Greek and Cyrillic text."""
    questions = []
    for n in range(1, 9):
        key = n % 4
        questions.append({
            "id": f"pap-1-{n:03d}", "type": "single", "syllabus": ["1.1"], "status": "approved",
            "tags": ["recall"] if n % 2 else ["scenario"], "difficulty": ["easy", "medium", "hard"][n % 3],
            "stem": f"Single question number {n}: which option is **right**?",
            "options": [_option(f"Option {letter} of question {n}", i == key) for i, letter in enumerate("wxyz")],
        })
    questions.append({
        "id": "pap-1-101", "type": "single", "syllabus": ["1.2"], "status": "approved",
        "stem": "Which two statements are CORRECT?\n\n1. The first statement\n2. The second statement\n3. The third statement",
        "options": [_option("1 and 2", True), _option("2 and 3"), _option("1 and 3"), _option("None of the above", fixed=True)],
    })
    questions.append({
        "id": "pap-1-102", "type": "multiple", "syllabus": ["1.2"], "status": "approved",
        "stem": "Which *two* planets are gas giants?",
        "options": [_option("Jupiter", True), _option("Mars"), _option("Saturn", True), _option("Venus")],
    })
    questions.append({
        "id": "pap-1-103", "type": "single", "syllabus": ["1.2"], "status": "approved", "shuffle": False,
        "stem": "Which letter is Greek? Ελληνικά: αβγ — and which word is Cyrillic: Кириллица?",
        "options": [_option("Ω omega", True), _option("Ж zhe"), _option("W double-u")],
    })
    questions.append({
        "id": "pap-1-104", "type": "truefalse", "syllabus": ["1.2"], "status": "approved",
        "stem": "The Sun is a star.", "options": [_option("True", True), _option("False")],
    })
    questions.append({
        "id": "pap-1-105", "type": "single", "syllabus": ["1.2"], "status": "review",
        "stem": "A question still in review.", "options": [_option("Yes", True), _option("No")],
    })
    questions.append({
        "id": "pap-1-106", "type": "single", "syllabus": ["1.2"], "status": "retired",
        "stem": "A retired question.", "options": [_option("Yes", True), _option("No")],
    })
    return questions


def write_bank(root: Path, questions: list[dict], bank_id: str = "papers") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    syllabus = {"schema_version": 1, "id": bank_id, "title": "Paper test bank", "id_prefix": "pap",
                "sections": [{"id": "1", "title": "Everything", "children": [
                    {"id": "1.1", "title": "Singles"}, {"id": "1.2", "title": "Shapes"}]}]}
    (root / "syllabus.json").write_text(json.dumps(syllabus), encoding="utf-8")
    for question in questions:
        folder = root / f"{question['syllabus'][0]}-part"
        folder.mkdir(exist_ok=True)
        (folder / f"{question['id']}.json").write_text(json.dumps(question, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture
def paper_bank(tmp_path) -> Path:
    """A 14-question bank covering every shape of question a paper prints."""
    return write_bank(tmp_path / "papers", paper_questions())


def blueprint_document(**changes) -> dict:
    document = {
        "schema_version": 1, "name": "test-exam", "bank": "papers", "title": "Test exam",
        "instructions": "Answer **all** questions.\n\n1. Use a pencil\n2. No phones",
        "duration_minutes": 20, "pass_mark": 7,
        "sections": [
            {"title": "Singles", "count": 6, "syllabus": ["1.1"]},
            {"title": "Shapes", "count": 4, "syllabus": ["1.2"]},
        ],
    }
    document.update(changes)
    return document


@pytest.fixture
def blueprint_file(tmp_path) -> Path:
    path = tmp_path / "test-exam.json"
    path.write_text(json.dumps(blueprint_document()), encoding="utf-8")
    return path


@pytest.fixture
def bank(paper_bank):
    """The paper test bank, loaded."""
    from qbank.bank import load_bank

    return load_bank(paper_bank)


def drawn_variant(bank, label: str, seed: int = 2026):
    """One variant of the test blueprint drawn from ``bank``."""
    from qbank.blueprint import blueprint_from_dict
    from qbank.select import select_papers

    papers = select_papers(bank.questions, bank.syllabus, blueprint_from_dict(blueprint_document()), seed, 3)
    return next(paper for paper in papers if paper.variant == label)
