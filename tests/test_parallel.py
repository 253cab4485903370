import json
import os

import pytest

from qbank import bank as bank_module
from qbank.parallel import in_forked_process


def test_in_forked_process_returns_the_childs_result():
    waiting = in_forked_process(os.getpid)
    if waiting is None:
        pytest.skip("this platform cannot fork")
    assert waiting() not in (None, os.getpid())
    assert in_forked_process(int, "not a number")() is None  # the child failed: the caller runs it itself


def test_a_bank_read_in_two_processes_is_the_bank_read_in_one(mini_bank, monkeypatch):
    if in_forked_process(os.getpid) is None:
        pytest.skip("this platform cannot fork")
    (mini_bank / "1-basics" / "broken.json").write_text("{")
    doc = json.loads((mini_bank / "1-basics" / "mini-1-001.json").read_text())
    doc["id"], doc["stem"], doc["options"][0]["correct"] = "mini-1-004", "Another stem?", "yes"
    (mini_bank / "1-basics" / "mini-1-004.json").write_text(json.dumps(doc))
    alone = bank_module.read_bank(mini_bank)
    monkeypatch.setattr(bank_module, "PARALLEL_MIN_FILES", 1)
    split = bank_module.read_bank(mini_bank)
    assert split.questions == alone.questions and split.paths == alone.paths
    assert split.problems == alone.problems and len(alone.problems) == 2
