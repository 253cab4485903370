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
