"""Moodle XML (``<quiz>``), the format of Moodle's question bank import/export.

Rules followed are those of Moodle 4.5's importer, summarised in
shared/conformance/MOODLE_XML_NOTES.md.
"""

from __future__ import annotations

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

    root = _parse_xml(data, options.source, decode_utf8)
    questions, skipped = [], []
    category: tuple[str, ...] = ()
    # A lone <question> (as Moodle's own qtype fixtures hold) is read as a one-question file.
    elements = [root] if root.tag == "question" else root.findall("question")
    for number, element in enumerate(elements, start=1):
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


def _parse_xml(data: bytes, source: str, decode_utf8):
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException
    from xml.etree.ElementTree import ParseError

    from qbank.errors import FormatError

    # Moodle reads XML files as UTF-8 only; checking first gives a message
    # with line and column instead of a parser error about tokens.
    text = decode_utf8(data, source)
    start = text.lstrip()[:1]
    if start != "<":
        raise FormatError(
            f"{source}: this is not XML (it starts with {text.lstrip()[:20]!r}); a Moodle XML file starts "
            "with <?xml ...?> and <quiz>. For a GIFT or Aiken file use `qbank import gift` or `qbank import aiken`"
        )
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise FormatError(
            f"{source}: refused: the file declares a DTD or entities ({type(error).__name__}); Moodle XML "
            "never does, and expanding them could read local files or exhaust memory"
        ) from None
    except ParseError as error:
        line, column = error.position
        raise FormatError(
            f"{source}:{line}:{column + 1}: not well-formed XML ({str(error).split(':')[0]}); "
            "is the file complete? Export it from Moodle again"
        ) from None
    if root.tag not in ("quiz", "question"):
        raise FormatError(f"{source}: the root element is <{root.tag}>, not <quiz>; this is not a Moodle XML question file")
    return root


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
    from qbank.importing import ImportedQuestion, graded_options, tag_slug
    from qbank.model import Question
    from qbank.moodle_grades import accepted_fraction

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

    points = _number(_child_text(element, "defaultgrade"), 1)
    tags = []
    for tag in element.findall("tags/tag"):
        raw = _child_text_of(tag)
        slug = tag_slug(raw)
        if slug and slug not in tags:
            tags.append(slug)
            if slug != raw:
                notes.append(f"tag {raw!r} stored as {slug!r}")
    question = Question(
        id=_child_text(element, "idnumber"),
        type=qtype,
        stem=stem,
        options=options,
        shuffle=_flag(element, "shuffleanswers", default=False) if kind == "multichoice" else True,
        explanation=explanation,
        tags=tuple(tags),
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


def _number(text: str, default: float) -> float:
    try:
        value = float(text)
    except ValueError:
        return default
    return int(value) if value.is_integer() else value
