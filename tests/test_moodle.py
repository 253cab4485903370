import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, make_question
from qbank.bank import load_bank
from qbank.errors import UnsupportedQuestion
from qbank.formats import ExportOptions
from qbank.formats import moodle
from qbank.formats.xmltext import InvalidXmlText
from qbank.markup import to_html
from qbank.model import Option, Section, Syllabus

SYLLABUS = Syllabus(id="s", title="Course", sections=(
    Section("1", "Basics", children=(Section("1.1", "Sub/part"),)),
    Section("2", "More"),
))
# Moodle's accepted grades (question/engine/bank.php), 0..1 scale, as listed in
# shared/conformance/MOODLE_XML_NOTES.md §3.
MOODLE_LIST = [1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
               0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05]
MOODLE_ACCEPTED = sorted({0.0, -1.0} | set(MOODLE_LIST) | {-v for v in MOODLE_LIST})


def moodle_accepts(percent: str) -> bool:
    """Moodle's `error` mode check: within 0.00001 of an accepted value (0..1 scale)."""
    return any(abs(float(percent) / 100 - v) < 0.00001 for v in MOODLE_ACCEPTED)


def parse(data: bytes) -> ET.Element:
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(data)


def export(questions, options=ExportOptions()):
    return parse(moodle.write_questions(questions, SYLLABUS, options))


def test_the_41_accepted_fractions():
    assert len(MOODLE_ACCEPTED) == 41
    assert sorted(moodle.ACCEPTED_FRACTIONS) == MOODLE_ACCEPTED


@pytest.mark.parametrize("count", range(1, 26))
def test_key_share_is_exported_only_when_moodle_accepts_it_exactly(count):
    fraction = moodle.moodle_fraction(1 / count)
    if count <= 10 or count == 20:
        assert fraction is not None and moodle_accepts(fraction)
        assert abs(float(fraction) - 100 / count) < 0.00001
    else:
        assert fraction is None


def test_fractions_are_written_as_moodle_writes_them():
    assert [moodle.moodle_fraction(x) for x in (1, 1 / 3, -1 / 6, 1 / 7, 0.125, -1, 0)] == \
        ["100", "33.33333", "-16.66667", "14.28571", "12.5", "-100", "0"]
    assert moodle.moodle_fraction(0.33) is None  # near 1/3, but not it: refused, not rounded


@pytest.mark.parametrize("keys,count,expected", [
    ((0, 1), 4, ["50", "50", "-50", "-50"]),
    ((0, 1, 2), 5, ["33.33333", "33.33333", "33.33333", "-50", "-50"]),
    ((0,), 4, ["100", "-33.33333", "-33.33333", "-33.33333"]),
    ((0, 1, 2, 3), 4, ["25", "25", "25", "25"]),
])
def test_multiple_grades_keys_sum_to_100_and_distractors_to_minus_100(keys, count, expected):
    question = make_question(qtype="multiple", keys=keys, count=count)
    root = export([question])
    fractions = [a.get("fraction") for a in root.iter("answer")]
    assert fractions == expected
    assert all(moodle_accepts(f) for f in fractions)
    assert abs(sum(float(f) for f in fractions if float(f) > 0) - 100) < 0.001


def test_a_multiple_question_without_an_exact_grade_is_unsupported_never_rounded():
    question = make_question("q-eleven", qtype="multiple", keys=tuple(range(11)), count=12)
    reason = moodle.unsupported_reason(question)
    assert reason and "11 correct options" in reason
    with pytest.raises(UnsupportedQuestion, match="q-eleven: 11 correct options"):
        moodle.write_questions([question], SYLLABUS, ExportOptions())
    eleven_distractors = make_question(qtype="multiple", keys=(0,), count=12)
    assert "11 wrong options" in moodle.unsupported_reason(eleven_distractors)


def test_single_question_in_full():
    question = make_question(
        "q-001", stem="Pick **one** <b> & \"quoted\"", keys=(2,), explanation="Because *so*.",
        tags=("definition",), difficulty="easy", bloom="remember", points=2, shuffle=True, syllabus=("1.1", "2"),
    )
    root = export([question])
    category, element = root.findall("question")
    assert category.get("type") == "category"
    assert category.findtext("category/text") == "$course$/top/Course/1 Basics/1.1 Sub//part"
    assert element.get("type") == "multichoice"
    assert element.findtext("name/text") == 'q-001 Pick one <b> & "quoted"'
    assert element.find("questiontext").get("format") == "html"
    assert element.findtext("questiontext/text") == "<p>Pick <strong>one</strong> &lt;b&gt; &amp; \"quoted\"</p>"
    assert element.findtext("generalfeedback/text") == "<p>Because <em>so</em>.</p>"
    assert element.findtext("idnumber") == "q-001"
    assert element.findtext("defaultgrade") == "2"
    assert element.findtext("single") == "true" and element.findtext("shuffleanswers") == "true"
    assert element.findtext("answernumbering") == "ABCD"
    assert element.findtext("penalty") == "0.3333333"
    assert element.findtext("correctfeedback/text") and element.findtext("incorrectfeedback/text")
    answers = element.findall("answer")
    assert [a.get("fraction") for a in answers] == ["0", "0", "100", "0"]
    assert [a.findtext("feedback/text") for a in answers] == [f"<p>Rationale {c}.</p>" for c in "ABCD"]
    assert [t.text for t in element.findall("tags/tag/text")] == \
        ["syllabus:1.1", "syllabus:2", "definition", "difficulty:easy", "bloom:remember"]


def test_a_fixed_option_turns_shuffling_off():
    options = make_question().options
    question = make_question(options=options[:3] + (replace(options[3], fixed=True),))
    assert export([question]).find("question[@type='multichoice']").findtext("shuffleanswers") == "false"


def test_truefalse_uses_moodles_type_and_answer_texts():
    question = make_question(qtype="truefalse", keys=(1,))
    element = export([question]).find("question[@type='truefalse']")
    answers = {a.findtext("text"): a for a in element.findall("answer")}
    assert set(answers) == {"true", "false"}
    assert answers["false"].get("fraction") == "100" and answers["true"].get("fraction") == "0"
    assert answers["false"].findtext("feedback/text") == "<p>Why false.</p>"


def test_categories_follow_the_syllabus_and_a_paper_gets_one():
    questions = [make_question("q-2", syllabus=("2",)), make_question("q-1", syllabus=("1",))]
    root = export(questions)
    records = [(q.get("type"), q.findtext("category/text") or q.findtext("idnumber")) for q in root]
    assert records == [("category", "$course$/top/Course/1 Basics"), ("multichoice", "q-1"),
                       ("category", "$course$/top/Course/2 More"), ("multichoice", "q-2")]
    root = export(questions, ExportOptions(category="Mock exam (variant A)", title="Course"))
    assert [q.findtext("category/text") or q.findtext("idnumber") for q in root] == \
        ["$course$/top/Course/Mock exam (variant A)", "q-2", "q-1"]


def test_the_mini_bank_exports_every_question_once():
    bank = load_bank(FIXTURES / "mini")
    root = parse(moodle.write_questions(bank.questions, bank.syllabus, ExportOptions()))
    assert sorted(q.findtext("idnumber") for q in root if q.get("type") != "category") == \
        sorted(q.id for q in bank.questions)


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x1b", "\ufffe", "\ud800"])
def test_xml_invalid_characters_are_an_error_naming_question_and_field(bad):
    options = make_question().options
    question = make_question("q-bad", options=(replace(options[0], rationale=f"odd {bad} char"),) + options[1:])
    with pytest.raises(InvalidXmlText, match=r"q-bad: options\[0\]\.rationale contains the character U\+"):
        moodle.write_questions([question], SYLLABUS, ExportOptions())


# Any text XML can carry: everything but C0 controls (except tab, newline),
# surrogates and U+FFFE/U+FFFF. Carriage returns are normalised by every XML
# parser, so they are left out of the round-trip property.
xml_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\ufffe\uffff"
                                 + "".join(chr(c) for c in range(32) if c not in (9, 10))), min_size=1)


@settings(max_examples=150, deadline=None)
@given(stem=xml_text, texts=st.lists(xml_text, min_size=2, max_size=5, unique=True), rationale=xml_text,
       explanation=xml_text, tag=xml_text)
def test_any_text_round_trips_through_moodle_xml(stem, texts, rationale, explanation, tag):
    options = tuple(Option(text, n == 0, rationale) for n, text in enumerate(texts))
    question = make_question(stem=stem, options=options, explanation=explanation, tags=(tag,))
    element = export([question]).find("question[@type='multichoice']")
    assert element.findtext("questiontext/text") == to_html(stem)
    assert element.findtext("generalfeedback/text") == to_html(explanation)
    assert [a.findtext("text") for a in element.findall("answer")] == [to_html(t) for t in texts]
    assert {a.findtext("feedback/text") for a in element.findall("answer")} == {to_html(rationale)}
    assert tag in [t.text for t in element.findall("tags/tag/text")]
