"""Moodle XML: the format of Moodle's question bank import and export.

Writer (this file's first part): ``write_questions`` and
``unsupported_reason``. Texts are the Markdown subset rendered to HTML
(``format="html"``); the per-option rationale becomes that answer's
feedback, the explanation the general feedback; syllabus sections become
nested categories (``$course$/top/<bank title>/2 Key concepts/2.4 …``) so a
quiz can draw random questions per section.

What Moodle's importer accepts is documented in
``shared/conformance/MOODLE_XML_NOTES.md``; the rules that matter here:
every ``fraction`` must be one of 41 values (else the import stops), true/
false answers are the texts ``true`` and ``false``, and answers have no
per-answer "fixed" flag (so a question with a fixed option is exported
with shuffling off).

Grades of a ``multiple`` question with k keys and d distractors: each key
gets +100/k and each distractor -100/d, so the keys add up to 100 % and
ticking every option scores 0. Both must be exact accepted values (k and d
from 1 to 10, or 20); otherwise the question is reported as unsupported,
never exported with a rounded grade.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from qbank.errors import UnsupportedQuestion
from qbank.formats import ExportOptions, by_home_section
from qbank.formats.xmltext import check_question
from qbank.markup import to_html, to_plain
from qbank.model import Question, Syllabus

# ---------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------

# The grade fractions Moodle's importer accepts (question/engine/bank.php),
# on its 0..1 scale, as Moodle itself writes them (7 decimals).
ACCEPTED_FRACTIONS: tuple[float, ...] = tuple(
    sorted(
        {0.0, 1.0, -1.0}
        | {
            sign * value
            for sign in (1, -1)
            for value in (
                0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333,
                0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
            )
        },
        reverse=True,
    )
)
# Half a unit in the 7th decimal: an exact share such as 1/7 matches its
# listed value 0.1428571 and nothing else; anything further off is refused.
_EXACT = 5e-8

COMBINED_FEEDBACK = (
    ("correctfeedback", "Your answer is correct."),
    ("partiallycorrectfeedback", "Your answer is partially correct."),
    ("incorrectfeedback", "Your answer is incorrect."),
)
_COMBINED_FEEDBACK_HTML = tuple((tag, to_html(text)) for tag, text in COMBINED_FEEDBACK)
MULTICHOICE_PENALTY = "0.3333333"
NAME_STEM_CHARS = 60
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def moodle_fraction(share: float) -> str | None:
    """The ``fraction`` attribute (a percentage) for ``share`` of the mark (-1..1).

    None when ``share`` is not exactly one of Moodle's accepted values.
    """
    for accepted in ACCEPTED_FRACTIONS:
        if abs(share - accepted) <= _EXACT:
            return _percent(accepted)
    return None


def _percent(fraction: float) -> str:
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def answer_fractions(question: Question) -> list[str]:
    """The ``fraction`` of each option, or UnsupportedQuestion if Moodle cannot grade it exactly."""
    reason = unsupported_reason(question)
    if reason:
        raise UnsupportedQuestion(question.id, reason)
    if question.type != "multiple":
        return ["100" if option.correct else "0" for option in question.options]
    keys = len(question.correct_indexes)
    distractors = len(question.options) - keys
    key = moodle_fraction(1 / keys)
    wrong = moodle_fraction(-1 / distractors) if distractors else "0"
    return [key if option.correct else wrong for option in question.options]


def unsupported_reason(question: Question) -> str | None:
    if question.type not in ("single", "multiple", "truefalse"):
        return f"Moodle XML export has no mapping for question type {question.type!r}"
    if len(question.options) < 2:
        return "Moodle needs at least two answers"
    if question.type == "truefalse":
        texts = sorted(option.text.strip().lower() for option in question.options)
        if texts != ["false", "true"]:
            return "a truefalse question needs exactly the options True and False"
    if question.type == "multiple":
        keys = len(question.correct_indexes)
        distractors = len(question.options) - keys
        if keys == 0:
            return "a multiple question needs at least one correct option"
        if moodle_fraction(1 / keys) is None:
            return (
                f"{keys} correct options would each be worth 100/{keys} %, which is not a grade "
                "Moodle accepts (1 to 10, or 20, correct options are); split the question or change its key"
            )
        if distractors and moodle_fraction(-1 / distractors) is None:
            return (
                f"{distractors} wrong options would each cost 100/{distractors} %, which is not a grade "
                "Moodle accepts (1 to 10, or 20, wrong options are); remove or add a distractor"
            )
    return None


def write_questions(questions, syllabus: Syllabus, options: ExportOptions = ExportOptions()) -> bytes:
    """A Moodle XML document (UTF-8 bytes) with a category record before each group."""
    # Each record is built as its own tree and serialised by ElementTree as
    # soon as it is complete, inside a constant <quiz> wrapper: a 10,000-
    # question bank never sits in memory as one tree (~500,000 elements).
    parts = [XML_DECLARATION, b"<quiz>\n"]
    for path, group in _category_groups(list(questions), syllabus, options):
        record = ET.Element("question", type="category")
        ET.SubElement(ET.SubElement(record, "category"), "text").text = path
        parts.append(_record(record))
        parts.extend(_record(question_element(question)) for question in group)
    parts.append(b"</quiz>\n")
    return b"".join(parts)


def _record(element: ET.Element) -> bytes:
    ET.indent(element, level=1)
    return b"  " + ET.tostring(element, encoding="unicode").encode() + b"\n"


def category_path(names) -> str:
    """A Moodle category path under the course; a ``/`` inside a name is written ``//``."""
    return "$course$/top/" + "/".join(" ".join(name.split()).replace("/", "//") for name in names)


def _category_groups(questions, syllabus: Syllabus, options: ExportOptions):
    top = options.title or syllabus.title
    if options.category:
        yield category_path([top, options.category]), questions
        return
    # Questions whose home section is not in the syllabus (a bank that was
    # not validated) still go somewhere visible: the top category.
    for trail, group in by_home_section(questions, syllabus):
        yield category_path([top] + [f"{s.id} {s.title}" for s in trail]), group


def question_element(question: Question) -> ET.Element:
    check_question(question)
    fractions = answer_fractions(question)
    moodle_type = "truefalse" if question.type == "truefalse" else "multichoice"
    element = ET.Element("question", type=moodle_type)
    sub = ET.SubElement
    sub(sub(element, "name"), "text").text = question_name(question)
    _html(element, "questiontext", question.stem)
    _html(element, "generalfeedback", question.explanation or "")
    sub(element, "defaultgrade").text = _number(question.points)
    sub(element, "penalty").text = "1" if moodle_type == "truefalse" else MULTICHOICE_PENALTY
    sub(element, "idnumber").text = question.id
    if moodle_type == "truefalse":
        _truefalse_answers(element, question)
    else:
        sub(element, "single").text = "true" if question.type == "single" else "false"
        shuffle = question.shuffle and not any(option.fixed for option in question.options)
        sub(element, "shuffleanswers").text = "true" if shuffle else "false"
        sub(element, "answernumbering").text = "ABCD"
        sub(element, "showstandardinstruction").text = "0"
        for tag, html in _COMBINED_FEEDBACK_HTML:
            ET.SubElement(ET.SubElement(element, tag, format="html"), "text").text = html
        if question.type == "multiple":
            sub(element, "shownumcorrect")
        for option, fraction in zip(question.options, fractions):
            answer = sub(element, "answer", fraction=fraction, format="html")
            sub(answer, "text").text = to_html(option.text)
            _html(answer, "feedback", option.rationale or "")
    _tags(element, question)
    return element


def question_name(question: Question) -> str:
    """The id and the start of the stem, as the question bank lists it."""
    stem = " ".join(to_plain(question.stem).split())
    if len(stem) > NAME_STEM_CHARS:
        stem = stem[: NAME_STEM_CHARS - 1].rstrip() + "…"
    return f"{question.id} {stem}"


def question_tags(question: Question) -> list[str]:
    """Tags as Moodle shows them: syllabus ids, the bank's tags, difficulty and Bloom level."""
    tags = [f"syllabus:{section}" for section in question.syllabus]
    tags += [tag for tag in question.tags]
    if question.difficulty:
        tags.append(f"difficulty:{question.difficulty}")
    if question.bloom:
        tags.append(f"bloom:{question.bloom}")
    return tags


def _truefalse_answers(element: ET.Element, question: Question) -> None:
    by_text = {option.text.strip().lower(): option for option in question.options}
    for text in ("true", "false"):
        option = by_text[text]
        answer = ET.SubElement(element, "answer", fraction="100" if option.correct else "0", format="moodle_auto_format")
        ET.SubElement(answer, "text").text = text
        _html(answer, "feedback", option.rationale or "")


def _tags(element: ET.Element, question: Question) -> None:
    tags = question_tags(question)
    if tags:
        holder = ET.SubElement(element, "tags")
        for tag in tags:
            ET.SubElement(ET.SubElement(holder, "tag"), "text").text = tag


def _html(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, tag, format="html"), "text").text = to_html(text)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
