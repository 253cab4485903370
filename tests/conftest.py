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
