"""Moodle XML: the format of Moodle's question bank import and export.

Writer (this file's first part): ``write_questions`` and
``unsupported_reason``; reader (second part, "reading"): ``read_questions``. Texts are the Markdown subset rendered to HTML
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

import math

from qbank.errors import UnsupportedQuestion
from qbank.formats import ExportOptions, by_home_section
from qbank.formats.xmltext import check_export_texts, check_question, escape_text
from qbank.markup import to_html, to_plain
from qbank.model import Question, Syllabus
from qbank.parallel import in_two_parts
from qbank.moodle_grades import (  # noqa: F401  ACCEPTED_FRACTIONS is re-exported for callers of this format
    ACCEPTED_FRACTIONS,
    accepted_fraction,
    multiple_answer_fractions,
    percent,
    share,
)

# ---------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------

COMBINED_FEEDBACK = (
    ("correctfeedback", "Your answer is correct."),
    ("partiallycorrectfeedback", "Your answer is partially correct."),
    ("incorrectfeedback", "Your answer is incorrect."),
)
MULTICHOICE_PENALTY = "0.3333333"
NAME_STEM_CHARS = 60
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'



def moodle_fraction(share: float) -> str | None:
    """The ``fraction`` attribute (a percentage) for ``share`` of the mark (-1..1).

    None when ``share`` is not one of Moodle's accepted values.
    """
    accepted = accepted_fraction(share)
    return None if accepted is None else percent(accepted)


def answer_fractions(question: Question) -> list[str]:
    """The ``fraction`` of each option, or UnsupportedQuestion if Moodle cannot grade it exactly."""
    reason = unsupported_reason(question)
    if reason:
        raise UnsupportedQuestion(question.id, reason)
    if question.type != "multiple":
        return ["100" if option.correct else "0" for option in question.options]
    keys = len(question.correct_indexes)
    key, wrong = multiple_answer_fractions(keys, len(question.options) - keys)
    return [percent(key if option.correct else wrong) for option in question.options]


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
        if share(keys) is None:
            return (
                f"{keys} correct options would each be worth 100/{keys} %, which is not a grade "
                "Moodle accepts (1 to 10, or 20, correct options are); split the question or change its key"
            )
        if distractors and share(distractors) is None:
            return (
                f"{distractors} wrong options would each cost 100/{distractors} %, which is not a grade "
                "Moodle accepts (1 to 10, or 20, wrong options are); remove or add a distractor"
            )
    return None


def write_questions(questions, syllabus: Syllabus, options: ExportOptions = ExportOptions()) -> bytes:
    """A Moodle XML document (UTF-8 bytes) with a category record before each group."""
    check_export_texts(syllabus, options)
    # Records are written as text, not built as lxml trees (three times
    # slower for a 10,000-question bank): every element holds either
    # children or text, so the layout is fixed, and every text goes
    # through xmltext.escape_text. The layout is the one lxml's indent and tostring give.
    # Each record is encoded into one buffer as soon as it is written: the
    # whole document held as text as well (33 MB for 10,000 questions) would
    # double the memory, and fresh memory costs a page fault per 4 KB.
    records: list[str | Question] = []  # a category path, then that category's questions
    for path, group in _category_groups(list(questions), syllabus, options):
        records.append(path)
        records.extend(group)
    # A large bank's records are written by two processes, half each.
    body = in_two_parts(_write_records, records, PARALLEL_MIN_RECORDS)
    return XML_DECLARATION + b"<quiz>\n" + body + b"</quiz>\n"


PARALLEL_MIN_RECORDS = 2000


def _write_records(records) -> bytes:
    import io

    document = io.BytesIO()
    for record in records:
        text = category_record(record) if isinstance(record, str) else question_record(record)
        document.write(text.encode("utf-8"))
    return document.getvalue()


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


def category_record(path: str) -> str:
    """The <question type="category"> record that files the questions after it under ``path``."""
    return (
        '  <question type="category">\n'
        "    <category>\n"
        f"      <text>{escape_text(path)}</text>\n"
        "    </category>\n"
        "  </question>\n"
    )


def question_record(question: Question) -> str:
    """The <question> record, indented as a child of <quiz>."""
    check_question(question)
    fractions = answer_fractions(question)
    if question.type == "truefalse":
        moodle_type, penalty, choices = "truefalse", "1", _truefalse_answers(question)
    else:
        moodle_type, penalty = "multichoice", MULTICHOICE_PENALTY
        shuffle = question.shuffle and not any(option.fixed for option in question.options)
        choices = (
            f"    <single>{'true' if question.type == 'single' else 'false'}</single>\n"
            f"    <shuffleanswers>{'true' if shuffle else 'false'}</shuffleanswers>\n"
            "    <answernumbering>ABCD</answernumbering>\n"
            "    <showstandardinstruction>0</showstandardinstruction>\n"
            + _COMBINED_FEEDBACK_XML
            + ("    <shownumcorrect/>\n" if question.type == "multiple" else "")
            + "".join(
                _answer(fraction, "html", to_html(option.text), option.rationale)
                for option, fraction in zip(question.options, fractions)
            )
        )
    return (
        f'  <question type="{moodle_type}">\n'
        "    <name>\n"
        f"      <text>{escape_text(question_name(question))}</text>\n"
        "    </name>\n"
        + _html_text("questiontext", question.stem)
        + _html_text("generalfeedback", question.explanation or "")
        + f"    <defaultgrade>{_number(question.points)}</defaultgrade>\n"
        f"    <penalty>{penalty}</penalty>\n"
        f"    <idnumber>{escape_text(question.id)}</idnumber>\n"
        + choices
        + _tags(question)
        + "  </question>\n"
    )


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


def _html_text(tag: str, text: str) -> str:
    """A <tag format="html"> holding ``text`` (Markdown subset) as HTML, as a child of <question>."""
    return f'    <{tag} format="html">\n      <text>{escape_text(to_html(text))}</text>\n    </{tag}>\n'


def _answer(fraction: str, text_format: str, text: str, rationale: str | None) -> str:
    """An <answer> whose text is already in ``text_format``; the rationale is its feedback.

    ``fraction`` and ``text_format`` are this module's own values, which need no escaping."""
    return (
        f'    <answer fraction="{fraction}" format="{text_format}">\n'
        f"      <text>{escape_text(text)}</text>\n"
        '      <feedback format="html">\n'
        f"        <text>{escape_text(to_html(rationale or ''))}</text>\n"
        "      </feedback>\n"
        "    </answer>\n"
    )


_COMBINED_FEEDBACK_XML = "".join(_html_text(tag, text) for tag, text in COMBINED_FEEDBACK)


def _truefalse_answers(question: Question) -> str:
    by_text = {option.text.strip().lower(): option for option in question.options}
    answers = []
    for text in ("true", "false"):
        option = by_text[text]
        answers.append(_answer("100" if option.correct else "0", "moodle_auto_format", text, option.rationale))
    return "".join(answers)


def _tags(question: Question) -> str:
    tags = question_tags(question)
    if not tags:
        return ""
    lines = "".join(f"      <tag>\n        <text>{escape_text(tag)}</text>\n      </tag>\n" for tag in tags)
    return f"    <tags>\n{lines}    </tags>\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# -- reading --------------------------------------------------------------------
#
# Supported: multichoice (single and multiple answer) and truefalse, with
# per-answer feedback (-> rationale), generalfeedback (-> explanation), tags,
# idnumber (-> id), defaultgrade (-> points), shuffleanswers and categories.
# Every other question type is skipped and listed by name and type. Text is
# converted from HTML to qbank's Markdown subset; tags it cannot convert and
# embedded files are kept/left out and reported per question.

_TEXT_FORMATS = {"html", "moodle_auto_format", "plain_text", "markdown", "wiki_like"}


def read_questions(data: bytes, options):
    from qbank.importing import ImportResult, Skipped, decode_utf8

    questions, skipped = [], []
    category: tuple[str, ...] = ()
    for number, element in enumerate(_question_elements(data, options.source, decode_utf8), start=1):
        kind = (element.get("type") or "").strip()
        if kind == "category":
            category = _category_path(_child_text(element, "category"))
            continue
        name = _child_text(element, "name") or f"question {number}"
        if kind in ("multichoice", "truefalse"):
            questions.append(_read_choice(element, kind, name, category))
        else:
            skipped.append(Skipped(name=name, kind=kind or "(no type)"))
    return ImportResult(tuple(questions), tuple(skipped))


class _RootReached(Exception):
    """The prolog is over: whatever a DTD could declare would have come before."""


class _StopAtRoot:
    def start(self, tag, attributes):
        raise _RootReached

    def end(self, tag):
        pass

    def data(self, text):
        pass

    def close(self):
        return None


def _check_prolog(data: bytes, source: str, decode_utf8) -> None:
    import xml.etree.ElementTree as ET

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    from qbank.errors import FormatError

    # Moodle reads XML files as UTF-8 only; checking first gives a message
    # with line and column instead of a parser error about tokens.
    opening = decode_utf8(data, source).lstrip()[:20]  # the decoded copy is not kept
    if not opening.startswith("<"):
        raise FormatError(
            f"{source}: this is not XML (it starts with {opening!r}); a Moodle XML file starts "
            "with <?xml ...?> and <quiz>. For a GIFT or Aiken file use `qbank import gift` or `qbank import aiken`"
        )
    # Entities can only be declared in a DTD, and a DTD only before the root
    # element. defusedxml reads up to the root and refuses any DTD, entity
    # or external reference there; the document is then known to declare
    # none, and the whole of it is parsed by the stdlib's C parser (defusedxml's
    # own parse calls back into Python per element: twice as slow).
    prolog = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        prolog.feed(data)
        prolog.close()
    except _RootReached:
        pass
    except DefusedXmlException as error:
        raise FormatError(
            f"{source}: refused: the file declares a DTD or entities ({type(error).__name__}); Moodle XML "
            "never does, and expanding them could read local files or exhaust memory"
        ) from None
    except ET.ParseError:
        pass  # reported with its position by the full parse


def _question_elements(data: bytes, source: str, decode_utf8):
    """Each top-level <question>, complete, read as a stream and dropped once used,
    so memory holds one question's tree at a time, not the whole file's."""
    import io
    import xml.etree.ElementTree as ET

    from qbank.errors import FormatError

    _check_prolog(data, source, decode_utf8)
    depth = 0
    root = None
    try:
        for event, element in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    if root.tag not in ("quiz", "question"):
                        raise FormatError(f"{source}: the root element is <{root.tag}>, not <quiz>; "
                                          "this is not a Moodle XML question file")
                continue
            depth -= 1
            if depth == 1 and element.tag == "question":
                yield element
                root.clear()
            elif depth == 0 and element.tag == "question":
                # A lone <question> (as Moodle's own qtype fixtures hold) is a one-question file.
                yield element
    except ET.ParseError as error:
        line, column = error.position
        raise FormatError(
            f"{source}:{line}:{column + 1}: not well-formed XML ({str(error).split(':')[0]}); "
            "is the file complete? Export it from Moodle again"
        ) from None


def _child_text(element, tag: str) -> str:
    child = element.find(tag)
    if child is None:
        return ""
    text = child.find("text")
    return (text.text or "").strip() if text is not None else (child.text or "").strip()


def _category_path(path: str) -> tuple[str, ...]:
    # "//" is a literal slash inside a category name.
    parts = path.replace("//", "\0").split("/")
    return tuple(p.replace("\0", "/").strip() for p in parts if p.strip())


def _convert(element, default_format: str, notes: list[str], where: str) -> str:
    """The text of a Moodle text element in the Markdown subset."""
    from qbank.htmltext import escape_markdown, html_to_markdown, looks_like_html

    if element is None:
        return ""
    text_element = element.find("text")
    raw = (text_element.text or "").strip() if text_element is not None else ""
    fmt = element.get("format") or default_format
    for file in element.findall("file"):
        notes.append(f"{where}: embedded file {file.get('name')!r} not imported (qbank has no media folder yet)")
    if fmt == "html" or (fmt == "moodle_auto_format" and looks_like_html(raw)):
        converted = html_to_markdown(raw)
        if converted.kept_tags:
            tags = ", ".join(f"<{t}>" for t in converted.kept_tags)
            notes.append(f"{where}: HTML kept as text: {tags}")
        return converted.text
    if fmt == "markdown":
        return raw
    return escape_markdown(raw)


def _read_choice(element, kind: str, name: str, category: tuple[str, ...]):
    from qbank.importing import ImportedQuestion, graded_options, read_lms_tags
    from qbank.model import Question

    notes: list[str] = []
    problems: list[str] = []
    question_text = element.find("questiontext")
    text_format = (question_text.get("format") if question_text is not None else None) or "html"
    if text_format not in _TEXT_FORMATS:
        text_format = "html"
    stem = _convert(question_text, text_format, notes, "question text")
    if element.find("image") is not None or element.find("image_base64") is not None:
        notes.append(f"question text: old-style image {_child_text(element, 'image')!r} not imported "
                     "(qbank has no media folder yet)")
    feedback = element.find("generalfeedback")
    explanation = _convert(feedback, text_format, notes, "general feedback") or None

    answers = []
    for n, answer in enumerate(element.findall("answer"), start=1):
        text = _convert(answer, text_format, notes, f"answer {n}")
        rationale = _convert(answer.find("feedback"), text_format, notes, f"answer {n} feedback") or None
        try:
            fraction = float(answer.get("fraction", "0")) / 100
        except ValueError:
            problems.append(f"answer {n}: grade {answer.get('fraction')!r} is not a number")
            fraction = 0.0
        answers.append((text, rationale, fraction, answer.get("fraction", "0")))

    if kind == "truefalse":
        options, qtype = _truefalse_options(answers, problems), "truefalse"
    else:
        answers = [a for a in answers if a[0].strip()]  # Moodle drops blank answers too
        bad = [raw for _, _, fraction, raw in answers if accepted_fraction(fraction) is None]
        if bad:
            problems.append(
                f"grade(s) {', '.join(bad)} are not grades Moodle accepts (e.g. 33.33333 for a third, not 33); "
                "Moodle itself refuses this file"
            )
        single = _flag(element, "single", default=True)
        qtype = "single" if single else "multiple"
        options, partial = graded_options([(t, r, f) for t, r, f, _ in answers], single)
        if partial:
            notes.append(partial)

    points = _parse_number(_child_text(element, "defaultgrade"), 1)
    lms = read_lms_tags(_child_text_of(tag) for tag in element.findall("tags/tag"))
    notes += lms.notes
    question = Question(
        id=_child_text(element, "idnumber"),
        type=qtype,
        stem=stem,
        options=options,
        # Moodle never shuffles True/False.
        shuffle=_flag(element, "shuffleanswers", default=False) if kind == "multichoice" else False,
        explanation=explanation,
        syllabus=lms.sections,
        tags=lms.tags,
        difficulty=lms.difficulty,
        bloom=lms.bloom,
        points=points if points > 0 else 1,
        status="draft",
    )
    return ImportedQuestion(question=question, name=name, category=category,
                            notes=tuple(notes), problems=tuple(problems))


def _truefalse_options(answers, problems):
    from qbank.model import Option

    by_text = {text.strip().lower(): (rationale, fraction) for text, rationale, fraction, _ in answers}
    if set(by_text) >= {"true", "false"}:
        true_feedback, true_fraction = by_text["true"]
        false_feedback = by_text["false"][0]
    elif len(answers) == 2:
        # Moodle takes the first answer as true and the second as false.
        (_, true_feedback, true_fraction, _), (_, false_feedback, _, _) = answers
    else:
        problems.append("a true/false question needs a 'true' and a 'false' answer")
        return ()
    # Moodle: 100% on the true answer makes True right; anything else makes False right.
    true_correct = abs(true_fraction - 1) <= 1e-5
    return (Option("True", true_correct, true_feedback), Option("False", not true_correct, false_feedback))


def _child_text_of(tag_element) -> str:
    text = tag_element.find("text")
    return ((text.text if text is not None else tag_element.text) or "").strip()


def _flag(element, tag: str, default: bool) -> bool:
    child = element.find(tag)
    if child is None:
        return default
    value = (child.text or "").strip()
    # Moodle: "false", "" and "0" are off; anything else is on.
    return value not in ("false", "", "0")


def _parse_number(text: str, default: float) -> float:
    try:
        value = float(text)
    except ValueError:
        return default
    if not math.isfinite(value):  # "nan" and "inf" are floats to Python, not grades
        return default
    return int(value) if value.is_integer() else value
