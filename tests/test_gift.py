from pathlib import Path

import pytest
from hypothesis import given, settings

from qbank.errors import FormatError, UnsupportedQuestion
from qbank.formats import ExportOptions, gift
from qbank.importing import ImportOptions
from qbank.model import Option, Question, Section, Syllabus
from qbank_strategies import questions, tree

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SYLLABUS = Syllabus(id="rt", title="Round trip", id_prefix="rt",
                    sections=(Section("1", "One", children=(Section("1.1", "One/one"),)), Section("2", "Two")))


def read(text: str):
    return gift.read_questions(text.encode("utf-8"), ImportOptions("test.gift"))


def test_documentation_examples():
    result = gift.read_questions((FIXTURES / "documentation.gift.txt").read_bytes(), ImportOptions("doc"))
    by_name = {item.name: item for item in result.questions}
    assert sorted((s.name, s.kind) for s in result.skipped) == [
        ("Essay", "essay"), ("Just a description, with no answers.", "description"),
        ("Matching", "matching"), ("Numerical", "numerical"), ("Short answer", "shortanswer")]
    assert set(by_name) == {"Grant's tomb", "Kanji origins", "Sunrise", "Multiple answers", "Special characters",
                            "Formatted", "Weights"}
    kanji = by_name["Kanji origins"].question
    assert kanji.stem == "Japanese characters originally\ncame from what country?"
    assert [(o.text, o.correct, o.rationale) for o in kanji.options][:2] == [
        ("India", False, "It was not India."), ("China", True, "Right: kanji came from China.")]
    assert kanji.explanation == "Kanji are Chinese characters adapted to Japanese."
    assert by_name["Kanji origins"].category == ("$course$", "top", "Moodle documentation", "Examples")

    sunrise = by_name["Sunrise"]
    assert sunrise.question.id == "doc-tf" and sunrise.question.tags == ("astronomy", "easy-ones")
    assert [(o.text, o.correct, o.rationale) for o in sunrise.question.options] == [
        ("True", True, "Right."), ("False", False, "Wrong: it does rise in the east.")]

    multiple = by_name["Multiple answers"].question
    assert multiple.type == "multiple" and [o.correct for o in multiple.options] == [False, True, True, False]

    special = by_name["Special characters"].question
    assert special.stem == "Which answer equals 5: 2 + 3 or 2 + 4?"
    assert [(o.text, o.correct, o.rationale) for o in special.options] == [
        ("= 2 + 4", False, "Not {quite}."), ("= 2 + 3", True, "Right: five."), ("~ 2 + 2\\\\", False, None)]

    formatted = by_name["Formatted"]
    assert formatted.question.stem == "Which is **bold** & *italic*?"
    assert [o.text for o in formatted.question.options] == ["**bold**", "plain \\*text\\*"]
    weights = by_name["Weights"]
    assert [o.correct for o in weights.question.options] == [False, False, True]
    assert any("partial credit (50%)" in note for note in weights.notes)


def test_moodle_fixtures_are_read(moodle_fixtures):
    folder = moodle_fixtures / "question" / "format" / "gift"
    examples = gift.read_questions((folder / "examples.txt").read_bytes(), ImportOptions("examples"))
    assert len(examples.questions) == 23 and len(examples.skipped) == 20
    assert {s.kind for s in examples.skipped} == {"shortanswer", "numerical", "matching"}
    assert not any(item.problems for item in examples.questions)
    control = next(i for i in examples.questions if i.name == "GIFT Control Characters").question
    assert [o.text for o in control.options] == ["~", "=", "#", "{", "}", "\\\\"]
    assert control.options[5].correct and control.options[5].rationale.startswith("Correct! \\\\ (backslash)")

    fixtures = folder / "tests" / "fixtures"
    in_category = gift.read_questions((fixtures / "questions_in_category.gift.txt").read_bytes(), ImportOptions("c"))
    assert [i.category for i in in_category.questions] == [("$course$", "Default for New Features")] * 2
    assert [(s.name, s.kind) for s in in_category.skipped] == [("Moodle activities", "matching"), ("Moodle user", "shortanswer")]
    greeting = in_category.questions[0]
    assert greeting.question.stem.startswith('<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen')
    assert greeting.notes == ("question text: HTML kept as text: <a>",)

    main = gift.read_questions((fixtures / "questions.gift.txt").read_bytes(), ImportOptions("q"))
    assert [(s.name, s.kind) for s in main.skipped] == [
        ("Q8", "essay"), ("Moodle activities", "matching"), ("Q5", "numerical"), ("Shortanswer", "shortanswer")]
    colours = next(i for i in main.questions if i.name == "colours").question
    assert colours.type == "multiple" and [o.correct for o in colours.options] == [True, False, True, False]
    q1 = next(i for i in main.questions if i.name == "Q1").question
    assert q1.type == "truefalse" and q1.options[1].correct
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."

    with pytest.raises(FormatError, match=r":15:7: not valid UTF-8 \(byte 0xf6\)"):
        gift.read_questions((fixtures / "questions_encoding_windows-1252.gift.txt").read_bytes(), ImportOptions("w"))


def test_bad_weights_and_braces_are_problems_not_crashes():
    result = read("::W::Pick {~%33%a ~%50%b ~c}\n\n::B::Unclosed {~a =b\n")
    assert "weight 33% is not a grade Moodle accepts" in result.questions[0].problems[0]
    assert "unbalanced braces" in result.questions[1].problems[0]


def test_writer_escapes_and_uses_categories_feedback_and_weights():
    question = Question(
        id="rt-1-1-001", type="multiple", stem="Which: {a} ~ b = c # d?", syllabus=("1.1",), tags=("recall",),
        options=(Option("x = 1", True, "yes #1"), Option("y", True), Option("z", False, "no")),
        explanation="Because.",
    )
    text = gift.write_questions([question], SYLLABUS, ExportOptions()).decode()
    assert text.splitlines()[:3] == [
        "$CATEGORY: $course$/top/Round trip/1 One/1.1 One//one", "", "// [id:rt-1-1-001] [tag:syllabus:1.1] [tag:recall]"]
    assert "::rt-1-1-001::Which\\: \\{a\\} \\~ b \\= c \\# d?{" in text
    assert "\t~%50%x \\= 1#yes \\#1" in text and "\t~%-100%z#no" in text and "\t####Because." in text
    assert gift.write_questions([question], SYLLABUS, ExportOptions(category="Exam A")).decode().startswith(
        "$CATEGORY: $course$/top/Round trip/Exam A\n")


def test_unsupported_reason():
    many = Question(id="m", type="multiple", stem="s", options=tuple(Option(str(n), True) for n in range(11)))
    assert "more than 10" in gift.unsupported_reason(many)
    with pytest.raises(UnsupportedQuestion):
        gift.write_questions([many], SYLLABUS, ExportOptions())
    assert gift.unsupported_reason(Question(id="s", type="single", stem="s", options=())) is None


def comparable(question):
    """What GIFT carries: id, type, texts (as Markdown trees), key, rationales, explanation, tags, sections
    (home section as the category, all of them as syllabus: tags), difficulty and Bloom level (as tags).
    Not carried: shuffle, fixed, points, status, source, authors, dates, revision.
    True/false options come back in the order True, False."""
    options = [(tree(o.text), o.correct, tree(o.rationale)) for o in question.options]
    if question.type == "truefalse":
        options.sort(key=lambda o: o[0] != tree("True"))
    return (question.id, question.type, tree(question.stem), options, tree(question.explanation),
            question.tags, question.syllabus, question.difficulty, question.bloom)


@settings(max_examples=100, deadline=None)
@given(questions())
def test_export_then_import_gives_the_same_question(question):
    exported = gift.write_questions([question], SYLLABUS, ExportOptions())
    result = gift.read_questions(exported, ImportOptions("rt.gift"))
    assert not result.skipped and len(result.questions) == 1
    item = result.questions[0]
    assert not item.problems
    expected_category = ("$course$", "top", "Round trip") + tuple(
        f"{s.id} {s.title}" for s in SYLLABUS.trail(question.section))
    assert item.category == expected_category
    assert comparable(item.question) == comparable(question)


def test_a_question_right_below_a_category_line_is_read():
    result = read("$CATEGORY: $course$/A//B\n::Q::Yes?{T}\n")
    assert [(i.name, i.category) for i in result.questions] == [("Q", ("$course$", "A/B"))]


def test_texts_that_look_like_weights_or_formats_survive():
    question = Question(id="w", type="single", stem="[plain] is a GIFT marker", syllabus=("1",),
                        options=(Option("%50% off", False), Option("[html]x", True)))
    back = gift.read_questions(gift.write_questions([question], SYLLABUS, ExportOptions()), ImportOptions("t"))
    assert [(o.text, o.correct) for o in back.questions[0].question.options] == [("%50% off", False), ("[html]x", True)]
    assert back.questions[0].question.stem == "[plain] is a GIFT marker"
