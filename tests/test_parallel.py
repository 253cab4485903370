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


def test_in_two_parts_gives_what_one_call_gives():
    from qbank.parallel import in_two_parts

    items = list(range(101))
    assert in_two_parts(lambda part: [n * n for n in part], items, min_items=10) == [n * n for n in items]
    assert in_two_parts(lambda part: bytes(part), items, min_items=10, child_share=0.3) == bytes(items)
    assert in_two_parts(lambda part: bytes(part), items[:5], min_items=10) == bytes(items[:5])


def test_in_two_parts_raises_what_the_forked_part_raised():
    from qbank.parallel import in_two_parts

    def check(part):
        if 90 in part:
            raise ValueError("90 is not allowed")
        return list(part)

    with pytest.raises(ValueError, match="90"):
        in_two_parts(check, list(range(100)), min_items=10)


def squares_from(start, fail_at=None):
    for n in range(start, 250):
        if n == fail_at and os.getpid() != PARENT:
            raise RuntimeError("only the child fails here")
        yield n * n


PARENT = os.getpid()


def test_produced_in_forked_process_yields_the_whole_sequence():
    from qbank.parallel import produced_in_forked_process

    assert list(produced_in_forked_process(squares_from, batch=7)) == [n * n for n in range(250)]


def test_when_the_child_fails_the_parent_produces_the_rest():
    from qbank.parallel import produced_in_forked_process

    produced = produced_in_forked_process(lambda start: squares_from(start, fail_at=123), batch=10)
    assert list(produced) == [n * n for n in range(250)]


def test_an_error_of_the_producer_is_raised_here():
    from qbank.parallel import produced_in_forked_process

    def failing(start):
        yield from range(start, 30)
        raise ValueError("out of values")

    with pytest.raises(ValueError, match="out of values"):
        list(produced_in_forked_process(failing, batch=4))


def test_stopping_early_leaves_no_child_behind():
    import multiprocessing

    from qbank.parallel import produced_in_forked_process

    produced = produced_in_forked_process(squares_from, batch=1)
    assert next(produced) == 0
    produced.close()
    assert multiprocessing.active_children() == []
