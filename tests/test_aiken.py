from pathlib import Path

import pytest
from hypothesis import given, settings

from qbank.errors import UnsupportedQuestion
from qbank.formats import ExportOptions, aiken
from qbank.importing import ImportOptions
from qbank.model import Option, Question, Syllabus
from qbank_strategies import questions, tree

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SYLLABUS = Syllabus(id="rt", title="Round trip", sections=())


def read(data: bytes):
    return aiken.read_questions(data, ImportOptions("test.txt"))


def test_documentation_examples():
    result = read((FIXTURES / "documentation.aiken.txt").read_bytes())
    assert [(i.question.stem, [o.text for o in i.question.options], i.question.correct_indexes) for i in result.questions] == [
        ("Is this an Aiken question?", ["Yes", "No", "Perhaps"], (0,)),
        ("What is the correct answer to this question?",
         ["Is it this one?", "Maybe this answer?", "Possibly this one?", "Must be this one!"], (3,)),
    ]


def test_moodle_fixtures(moodle_fixtures):
    folder = moodle_fixtures / "question" / "format" / "aiken" / "tests" / "fixtures"
    good = read((folder / "questions.aiken.txt").read_bytes())
    assert [i.question.correct_indexes for i in good.questions] == [(1,), (0,)]
    assert good.questions[1].question.stem.endswith('includes <html class="cool"> & images:')

    errors = read((folder / "aiken_errors.txt").read_bytes())
    valid = [i for i in errors.questions if not i.problems]
    assert [i.question.stem for i in valid] == [
        "A good question", "A second good question", "A third good question with HTML chars such as > < &"]
    assert [o.text for o in valid[1].question.options] == ["Incorrect (No space)", "Correct (No space)"]
    problems = [p for i in errors.questions for p in i.problems]
    assert problems == [
        "line 3: a question needs at least two options before ANSWER",
        "line 5: an option without a question before it",
        "line 7: ANSWER without a question before it",
        "line 14: the question has no ANSWER line",
    ]


def test_answer_letter_must_name_an_option():
    result = read(b"Q?\nA) a\nB) b\nANSWER: C\n")
    assert result.questions[0].problems == ("line 4: ANSWER 'C' names no option of this question",)


def test_unsupported_reason():
    single = Question(id="s", type="single", stem="Q?", options=(Option("a", True, "why"), Option("b", False)))
    assert aiken.unsupported_reason(single) is None  # losing the rationale is a documented limit
    assert "single-answer questions only" in aiken.unsupported_reason(Question(id="m", type="multiple", stem="Q"))
    assert "several lines" in aiken.unsupported_reason(
        Question(id="l", type="single", stem="Q\n\n1. a", options=single.options))
    assert "starts like an Aiken option" in aiken.unsupported_reason(
        Question(id="o", type="single", stem="A) Q", options=single.options))
    with pytest.raises(UnsupportedQuestion):
        aiken.write_questions([Question(id="m", type="multiple", stem="Q")], SYLLABUS, ExportOptions())


@settings(max_examples=100, deadline=None)
@given(questions(types=("single",), multiline=False).filter(lambda q: aiken.unsupported_reason(q) is None))
def test_export_then_import_gives_the_same_question(question):
    """Aiken carries the stem, option texts and the key; nothing else (no id, rationale, explanation, tag, category)."""
    result = read(aiken.write_questions([question], SYLLABUS, ExportOptions()))
    assert len(result.questions) == 1 and not result.questions[0].problems
    back = result.questions[0].question
    assert tree(back.stem) == tree(question.stem)
    assert [(tree(o.text), o.correct) for o in back.options] == [(tree(o.text), o.correct) for o in question.options]
