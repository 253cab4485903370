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


def _shared_dir() -> Path | None:
    # CI puts shared/ beside the clone; a git worktree sits one level deeper.
    for candidate in (REPO.parent / "shared", REPO.parent.parent / "shared"):
        if (candidate / "conformance").is_dir():
            return candidate
    return None


SHARED = _shared_dir()
MOODLE_FIXTURES = SHARED / "conformance" / "moodle-fixtures" if SHARED else None


@pytest.fixture
def moodle_fixtures() -> Path:
    """Moodle's own import/export fixtures (shared/conformance), or skip."""
    if MOODLE_FIXTURES is None or not MOODLE_FIXTURES.is_dir():
        pytest.skip("shared/conformance/moodle-fixtures not found beside the repository")
    return MOODLE_FIXTURES
