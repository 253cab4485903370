import pytest

from qbank.moodle_grades import ACCEPTED_FRACTIONS, accepted_fraction, multiple_answer_fractions, percent, share


def test_the_41_values_of_moodle():
    assert len(ACCEPTED_FRACTIONS) == 41
    assert accepted_fraction(0.3333333) == accepted_fraction(0.33333) == 0.3333333
    assert accepted_fraction(0.33) is None and accepted_fraction(0.333) is None


@pytest.mark.parametrize("count, expected", [(1, 1.0), (3, 0.3333333), (7, 0.1428571), (10, 0.1), (11, None)])
def test_share(count, expected):
    assert share(count) == expected


def test_percent_is_written_with_five_decimals_at_most():
    assert [percent(f) for f in (1.0, 0.3333333, -0.1666667, 0.5, 0.0)] == ["100", "33.33333", "-16.66667", "50", "0"]


def test_multiple_answer_fractions():
    assert multiple_answer_fractions(2, 3) == (0.5, -0.3333333)
    assert multiple_answer_fractions(3, 0) == (0.3333333, 0.0)
    assert multiple_answer_fractions(11, 1) is None
