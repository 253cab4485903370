"""The Moodle XML reader; the writer's tests live beside it once both halves are merged."""

import pytest
from hypothesis import given, settings

from qbank.errors import FormatError
from qbank.formats import ExportOptions, moodle
from qbank.importing import ImportOptions
from qbank.model import Section, Syllabus
from qbank_strategies import questions, tree

SUPPORTED_TYPES = {"multichoice", "truefalse"}


def read(data: bytes):
    return moodle.read_questions(data, ImportOptions("test.xml"))


def fixture_files(root):
    return sorted(root.rglob("*.xml"))


def test_every_moodle_fixture_is_read_or_reported(moodle_fixtures):
    import xml.etree.ElementTree as ET

    files = fixture_files(moodle_fixtures)
    assert len(files) >= 25
    for file in files:
        root = ET.parse(file).getroot()
        elements = [root] if root.tag == "question" else root.findall("question")
        kinds = [e.get("type") for e in elements if e.get("type") != "category"]
        result = read(file.read_bytes())
        assert len(result.questions) == sum(k in SUPPORTED_TYPES for k in kinds), file
        assert sorted(s.kind for s in result.skipped) == sorted(k for k in kinds if k not in SUPPORTED_TYPES), file
        assert all(s.name for s in result.skipped)


def test_multichoice_texts_feedback_and_grades(moodle_fixtures):
    data = (moodle_fixtures / "question/type/multichoice/tests/fixtures/testquestion.moodle.xml").read_bytes()
    item, = read(data).questions
    question = item.question
    assert item.name == "Multi-choice-001" and item.category == ("$course$", "Default for C1")
    assert question.type == "multiple" and question.stem == "Find the capital cities in Europe."
    assert [(o.text, o.correct) for o in question.options] == [
        ("Tokyo", False), ("Spain", False), ("London", True), ("Barcelona", False), ("Paris", True)]
    assert question.shuffle is True


def test_single_answer_with_files_and_html_is_reported(moodle_fixtures):
    item, = read((moodle_fixtures / "question/format/xml/tests/fixtures/multichoice.xml").read_bytes()).questions
    assert item.question.type == "single" and item.question.correct_indexes == (1,)
    assert [o.rationale for o in item.question.options] == [
        "Sorry, listen again.", "Yes, well done!", "Sorry, listen again.", "Sorry, listen again."]
    assert item.question.options[1].text.endswith("French")
    assert "question text: embedded file 'bonjour.mp3' not imported (qbank has no media folder yet)" in item.notes
    assert "answer 1: HTML kept as text: <img>" in item.notes
    assert item.category == ("$course$", "Default for testhead", "Multichoice")


def test_truefalse_feedback_and_general_feedback(moodle_fixtures):
    item, = read((moodle_fixtures / "question/type/truefalse/tests/fixtures/testquestion.moodle.xml").read_bytes()).questions
    question = item.question
    assert question.type == "truefalse" and question.stem == "The answer is true."
    assert [(o.text, o.correct) for o in question.options] == [("True", True), ("False", False)]
    assert question.options[0].rationale.startswith("This is the right answer")
    assert question.explanation == "You should have selected true."


def test_html_characters_in_idnumbers_are_kept_for_the_pipeline(moodle_fixtures):
    item, = read((moodle_fixtures / "question/format/xml/tests/fixtures/html_chars_in_idnumbers.xml").read_bytes()).questions
    assert item.question.id == "T & F"  # not a valid qbank id: the pipeline gives a new one


def test_invalid_grades_are_a_problem_as_in_moodle(moodle_fixtures):
    item, = read((moodle_fixtures / "question/format/xml/tests/fixtures/error_invalid_grades.xml").read_bytes()).questions
    assert item.problems and "33" in item.problems[0] and "33.33333" in item.problems[0]


def test_old_image_tag_is_reported(moodle_fixtures):
    result = read((moodle_fixtures / "question/format/xml/tests/fixtures/sample_questions_with_old_image_tag.xml").read_bytes())
    item, = result.questions
    assert [o.text for o in item.question.options] == ["wrong answer", "another wrong answer", "right answer"]
    assert any("old-style image 'moodle.png'" in note for note in item.notes)
    assert [(s.name, s.kind) for s in result.skipped] == [("cloze question with image", "cloze")]


def test_tags_idnumber_points_and_formats():
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/A//B/C</text></category></question>
  <question type="multichoice">
    <name><text>Q</text></name>
    <questiontext format="plain_text"><text>Is 2*3 &lt; 7?</text></questiontext>
    <generalfeedback format="markdown"><text>**Yes**</text></generalfeedback>
    <defaultgrade>2.5000000</defaultgrade>
    <idnumber>my-id-7</idnumber>
    <single>true</single><shuffleanswers>0</shuffleanswers>
    <answer fraction="100"><text>yes</text><feedback><text>right</text></feedback></answer>
    <answer fraction="50"><text>maybe</text></answer>
    <answer fraction="0"><text>   </text></answer>
    <tags><tag><text>Exam 2024</text></tag><tag><text>recall</text></tag></tags>
  </question>
</quiz>"""
    item, = read(data).questions
    q = item.question
    assert item.category == ("$course$", "top", "A/B", "C")
    assert (q.id, q.stem, q.explanation, q.points, q.shuffle, q.tags) == (
        "my-id-7", "Is 2\\*3 < 7?", "**Yes**", 2.5, False, ("exam-2024", "recall"))
    assert [(o.text, o.correct, o.rationale) for o in q.options] == [("yes", True, "right"), ("maybe", False, None)]
    assert any("partial credit (50%)" in n for n in item.notes)
    assert "tag 'Exam 2024' stored as 'exam-2024'" in item.notes


@pytest.mark.parametrize("data, message", [
    (b"::Q::What? {=a ~b}", "this is not XML"),
    (b"<?xml version='1.0'?><quiz><question type='truefalse'>", "not well-formed XML"),
    (b"<?xml version='1.0'?><html><body/></html>", "the root element is <html>"),
    (b"<quiz>\n<question>\xff</question></quiz>", ":2:11: not valid UTF-8"),
    (b"<quiz><question type='truefalse'><name><text>&secret;</text></name></question></quiz>",
     "1:46: not well-formed XML \\(undefined entity"),
])
def test_wrong_input_gets_a_clear_error(data, message):
    with pytest.raises(FormatError, match=message):
        read(data)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<quiz><question type="truefalse"><name><text>&lol9;</text></name></question></quiz>"""


def xxe(path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY secret SYSTEM "file://{path}">]>'
            '<quiz><question type="truefalse"><name><text>&secret;</text></name></question></quiz>').encode()


def test_entities_and_dtds_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    external_dtd = b'<?xml version="1.0"?><!-- a comment --><!DOCTYPE quiz SYSTEM "http://example.com/q.dtd"><quiz/>'
    for data in (BILLION_LAUGHS, xxe(secret), external_dtd):
        with pytest.raises(FormatError, match="refused: the file declares a DTD") as caught:
            read(data)
        assert "TOP SECRET" not in str(caught.value)


SYLLABUS = Syllabus(id="rt", title="Round trip", id_prefix="rt",
                    sections=(Section("1", "One", children=(Section("1.1", "One/one"),)), Section("2", "Two")))


def comparable(question):
    """What Moodle XML carries: id (idnumber), type, texts, key, rationales, explanation, tags, points,
    shuffle (off when an option is fixed), sections (home as the category, all as syllabus: tags),
    difficulty and Bloom level (as tags). Not carried: fixed, status, source, authors, dates, revision.
    True/false options come back in the order True, False; true/false has no shuffle setting."""
    options = [(tree(o.text), o.correct, tree(o.rationale)) for o in question.options]
    if question.type == "truefalse":
        options.sort(key=lambda o: o[0] != tree("True"))
    return (question.id, question.type, tree(question.stem), options, tree(question.explanation), question.tags,
            question.points, question.shuffle if question.type != "truefalse" else None, question.syllabus,
            question.difficulty, question.bloom)


@settings(max_examples=60, deadline=None)
@given(questions())
def test_export_then_import_gives_the_same_question(question):
    if not hasattr(moodle, "write_questions"):
        pytest.skip("the Moodle XML writer (branch export) is not merged yet")
    result = read(moodle.write_questions([question], SYLLABUS, ExportOptions()))
    item, = result.questions
    assert not item.problems and not result.skipped
    assert item.category == ("$course$", "top", "Round trip") + tuple(
        f"{s.id} {s.title}" for s in SYLLABUS.trail(question.section))
    assert comparable(item.question) == comparable(question)
