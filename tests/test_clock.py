import pytest

from qbank.clock import source_date_epoch
from qbank.errors import QbankError


def test_unset_or_blank_is_none(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date_epoch() is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", " ")
    assert source_date_epoch() is None


def test_whole_seconds(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date_epoch() == 1700000000


def test_malformed_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(QbankError, match="SOURCE_DATE_EPOCH='soon' is not a whole number"):
        source_date_epoch()
