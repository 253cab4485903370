"""GIFT, Moodle's plain-text question format, both ways.

Syntax as Moodle 4.5 reads it (docs.moodle.org/en/GIFT_format): questions
separated by blank lines; ``//`` comment lines (``// [id:x] [tag:y]`` carry
Moodle's idnumber and tags); ``$CATEGORY: path``; ``::title::``; an optional
``[html]``/``[moodle]``/``[plain]``/``[markdown]`` text format; answers in
``{...}`` with ``=`` right, ``~`` wrong or ``~%50%`` weighted, ``#feedback``
per answer and ``####`` general feedback; ``\\`` escapes ``~ = # { } :`` and
itself, ``\\n`` is a newline.

qbank writes the Markdown subset as plain text when it has no markup, else
as ``[html]``; it reads single- and multiple-answer multichoice and
true/false, and lists every other GIFT type (essay, numerical, short answer,
matching, description, ordering) as skipped.
"""

from __future__ import annotations

import re

# -- writing --------------------------------------------------------------------

_GIFT_SPECIAL = re.compile(r"([~=#{}:])")
_NEEDS_HTML = re.compile(r"[<&]")


def unsupported_reason(question) -> str | None:
    from qbank.model import CHOICE_TYPES
    from qbank.moodle_grades import multiple_answer_fractions

    if question.type not in CHOICE_TYPES:
        return f"GIFT export handles choice questions only, not {question.type!r}"
    if question.type == "multiple":
        correct = len(question.correct_indexes)
        if multiple_answer_fractions(correct, len(question.options) - correct) is None:
            return ("Moodle accepts no equal grade for more than 10 right or more than 10 wrong "
                    f"options; this question has {correct} right of {len(question.options)}")
    return None


def write_questions(questions, syllabus, options) -> bytes:
    from qbank.errors import UnsupportedQuestion

    out: list[str] = []
    current_category = None
    for question in questions:
        reason = unsupported_reason(question)
        if reason:
            raise UnsupportedQuestion(question.id, reason)
        category = _category(question, syllabus, options)
        if category != current_category:
            out += [f"$CATEGORY: {category}", ""]
            current_category = category
        out += _question_lines(question)
        out.append("")
    return "\n".join(out).encode("utf-8")


def _tags(question) -> list[str]:
    """Tags as Moodle shows them (as qbank's Moodle XML export writes them): syllabus
    sections, the question's tags, difficulty and Bloom level; import reads them back."""
    tags = [f"syllabus:{section}" for section in question.syllabus] + list(question.tags)
    tags += [f"{key}:{value}" for key, value in (("difficulty", question.difficulty), ("bloom", question.bloom)) if value]
    return tags


def _category(question, syllabus, options) -> str:
    top = options.title or syllabus.title
    if options.category:
        parts = [top, options.category]
    else:
        parts = [top] + [f"{s.id} {s.title}" for s in syllabus.trail(question.section or "")]
    return "$course$/top/" + "/".join(p.replace("/", "//") for p in parts)


def _question_lines(question) -> list[str]:
    from qbank.markup import has_markup
    from qbank.moodle_grades import multiple_answer_fractions, percent

    texts = [question.stem, question.explanation or ""]
    texts += [t for o in question.options for t in (o.text, o.rationale or "")]
    as_html = any(has_markup(t) or _NEEDS_HTML.search(t) or _FORMAT_PREFIX.match(t) for t in texts)

    def text(value: str) -> str:
        return _escape(_render(value, as_html))

    meta = f"// [id:{question.id}]" + "".join(f" [tag:{tag}]" for tag in _tags(question))
    lines = [meta, f"::{_escape(question.id)}::" + ("[html]" if as_html else "") + text(question.stem) + "{"]
    if question.type == "truefalse":
        true_option = next(o for o in question.options if o.text.strip().lower() == "true")
        false_option = next(o for o in question.options if o.text.strip().lower() == "false")
        right, wrong = (true_option, false_option) if true_option.correct else (false_option, true_option)
        answer = "TRUE" if true_option.correct else "FALSE"
        # GIFT: the first feedback shows after a wrong answer, the second after the right one.
        if right.rationale or wrong.rationale:
            answer += f"#{text(wrong.rationale or '')}#{text(right.rationale or '')}"
        lines.append(f"\t{answer}")
    else:
        weights = None
        if question.type == "multiple":
            correct = len(question.correct_indexes)
            weights = multiple_answer_fractions(correct, len(question.options) - correct)
        for option in question.options:
            if weights is None:
                # An explicit 0 keeps a text that starts like a weight (%50%...) from being read as one.
                mark = "=" if option.correct else ("~%0%" if _WEIGHT.match(text(option.text)) else "~")
            else:
                mark = f"~%{percent(weights[0] if option.correct else weights[1])}%"
            feedback = f"#{text(option.rationale)}" if option.rationale else ""
            lines.append(f"\t{mark}{text(option.text)}{feedback}")
    if question.explanation:
        lines.append(f"\t####{text(question.explanation)}")
    lines.append("}")
    return lines


def _render(value: str, as_html: bool) -> str:
    from qbank.markup import to_html

    if not as_html:
        return value.strip()
    rendered = to_html(value)
    # One paragraph is written without its <p>, as Moodle's own GIFT export does, unless
    # the text starts like a [format] marker.
    if (rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1
            and not _FORMAT_PREFIX.match(rendered[3:])):
        rendered = rendered[3:-4]
    return rendered


def _escape(text: str) -> str:
    return _GIFT_SPECIAL.sub(r"\\\1", text.replace("\\", "\\\\")).replace("\n", "\\n")


# -- reading --------------------------------------------------------------------

# Escaped characters become private-use placeholders while the structure is
# parsed, and literal characters afterwards.
_ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003",
            "\\{": "\ue004", "\\}": "\ue005", "\\:": "\ue006", "\\n": "\n"}
_UNESCAPE = {v: k[1] for k, v in _ESCAPES.items() if v != "\n"}
_ESCAPE_RE = re.compile(r"\\[\\~=#{}:n]")
_FORMAT_PREFIX = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"^%(-?[0-9]+(?:\.[0-9]*)?)%")
_TRUE_FALSE = re.compile(r"^(T|TRUE|F|FALSE)(#|$)", re.IGNORECASE)
_META = re.compile(r"\[(id|tag):([^\]]*)\]")


def read_questions(data: bytes, options):
    from qbank.errors import FormatError
    from qbank.importing import ImportResult, decode_utf8, refuse_xml

    text = decode_utf8(data, options.source).replace("\r\n", "\n").replace("\r", "\n")
    refuse_xml(text, options.source, "GIFT")
    questions, skipped = [], []
    category: tuple[str, ...] = ()
    for line_number, lines in _blocks(text.split("\n")):
        meta = [m for line in lines if line.strip().startswith("//") for m in _META.findall(line)]
        body = "\n".join(line for line in lines if not line.strip().startswith("//")).strip()
        if not body:
            continue
        if body.startswith("$CATEGORY:"):
            # The category is its line; a question written right below it (no blank line) still counts.
            line, _, body = body.partition("\n")
            path = line[len("$CATEGORY:"):].strip().replace("//", "\0").split("/")
            category = tuple(p.replace("\0", "/").strip() for p in path if p.strip())
            body = body.strip()
            if not body:
                continue
        item = _read_question(body, meta, category, line_number)
        (questions if not isinstance(item, tuple) else skipped).append(item[0] if isinstance(item, tuple) else item)
    if not questions and skipped and all(s.kind == "description" for s in skipped):
        raise FormatError(f"{options.source}: no GIFT question found (no {{...}} answer block anywhere); "
                          "is this a GIFT file? For Aiken use `qbank import aiken`")
    return ImportResult(tuple(questions), tuple(skipped))


def _blocks(lines):
    block, start = [], 1
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def _literal(text: str) -> str:
    for placeholder, char in _UNESCAPE.items():
        text = text.replace(placeholder, char)
    return text


def _read_question(body: str, meta, category, line: int):
    from qbank.importing import ImportedQuestion, Skipped, read_lms_tags

    text = _protect(body)
    name = ""
    problems: list[str] = []
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            name = _literal(text[2:40])
            return ImportedQuestion(_empty(), name or body[:40], category, line,
                                    problems=("the title has no closing ::",))
        name, text = _literal(text[2:end]).strip(), text[end + 2:]
    start, finish = text.find("{"), text.find("}")
    outside = text[:start] + text[finish + 1:] if 0 <= start < finish else text
    display = name or " ".join(_FORMAT_PREFIX.sub("", _literal(outside)).split())[:60]
    if start < 0 and finish < 0:
        return (Skipped(display, "description", line),)
    if start < 0 or finish < start:
        return ImportedQuestion(_empty(), display, category, line,
                                problems=("unbalanced braces: a question needs one {...} answer block",))
    answers = text[start + 1:finish].strip()
    after = text[finish + 1:]
    question_text = text[:start] + ("" if not after.strip() else "_____" + after)
    text_format = "moodle"
    found = _FORMAT_PREFIX.match(question_text)
    if found:
        text_format, question_text = found.group(1), question_text[found.end():]

    general = ""
    if "####" in answers:
        answers, general = answers.split("####", 1)
        answers = answers.strip()
    if not answers:
        kind = "essay"
    elif answers.startswith("#"):
        kind = "numerical"
    elif "~" in answers:
        kind = "multichoice"
    elif "=" in answers and "->" in answers:
        kind = "matching"
    elif _TRUE_FALSE.match(answers):
        kind = "truefalse"
    elif answers.startswith(">"):
        kind = "ordering"
    else:
        kind = "shortanswer"
    if kind not in ("multichoice", "truefalse"):
        return (Skipped(display, kind, line),)

    notes: list[str] = []
    stem = _convert(question_text, text_format, notes, "question text")
    explanation = _convert(general, text_format, notes, "general feedback") or None
    if kind == "truefalse":
        qtype, options = "truefalse", _truefalse(answers, text_format, notes)
    else:
        qtype, options = _multichoice(answers, text_format, notes, problems)
    own_id = next((value.strip() for key, value in meta if key == "id"), "")
    lms = read_lms_tags(value for key, value in meta if key == "tag")
    notes += lms.notes
    from qbank.model import Question

    question = Question(id=own_id, type=qtype, stem=stem, options=options, explanation=explanation,
                        shuffle=qtype != "truefalse",  # as Moodle: True/False is never shuffled
                        syllabus=lms.sections, tags=lms.tags, difficulty=lms.difficulty, bloom=lms.bloom,
                        status="draft")
    return ImportedQuestion(question, display, category, line, tuple(notes), tuple(problems))


def _empty():
    from qbank.model import Question

    return Question(id="", type="single", stem="?")


def _truefalse(answers: str, text_format: str, notes: list[str]):
    from qbank.model import Option

    parts = answers.split("#")
    true_right = parts[0].strip().upper() in ("T", "TRUE")
    wrong = _convert(parts[1], text_format, notes, "feedback") if len(parts) > 1 else ""
    right = _convert(parts[2], text_format, notes, "feedback") if len(parts) > 2 else ""
    true_feedback, false_feedback = (right, wrong) if true_right else (wrong, right)
    return (Option("True", true_right, true_feedback or None), Option("False", not true_right, false_feedback or None))


def _multichoice(answers: str, text_format: str, notes: list[str], problems: list[str]):
    from qbank.importing import graded_options
    from qbank.moodle_grades import accepted_fraction

    # Moodle: multiple answers are allowed exactly when no answer is marked "=".
    single = "=" in answers
    parts = answers.replace("=", "~=").split("~")
    if parts and not parts[0].strip():
        parts = parts[1:]
    read = []
    for n, part in enumerate(parts, start=1):
        part = part.strip()
        if part.startswith("="):
            weight, part = 1.0, part[1:]
        else:
            found = _WEIGHT.match(part)
            weight = float(found.group(1)) / 100 if found else 0.0
            if found:
                part = part[found.end():]
                if accepted_fraction(weight) is None:
                    problems.append(f"answer {n}: weight {found.group(1)}% is not a grade Moodle accepts "
                                    "(e.g. 33.33333 for a third)")
        answer, _, feedback = part.partition("#")
        option_text = _convert(answer, text_format, notes, f"answer {n}")
        if option_text.strip():
            read.append((option_text, _convert(feedback, text_format, notes, f"answer {n} feedback") or None, weight))
    options, partial = graded_options(read, single)
    if partial:
        notes.append(partial)
    return ("single" if single else "multiple"), options


def _convert(raw: str, default_format: str, notes: list[str], where: str) -> str:
    from qbank.htmltext import escape_markdown, html_to_markdown, looks_like_html

    text_format = default_format
    found = _FORMAT_PREFIX.match(raw)
    if found:
        text_format, raw = found.group(1), raw[found.end():]
    lines = [line.strip() for line in raw.strip().split("\n")]
    if text_format == "html" or (text_format == "moodle" and looks_like_html(raw)):
        converted = html_to_markdown(_literal(raw.strip()))
        if converted.kept_tags:
            notes.append(f"{where}: HTML kept as text: {', '.join(f'<{t}>' for t in converted.kept_tags)}")
        return converted.text
    text = _literal("\n".join(lines))
    return text if text_format == "markdown" else escape_markdown(text)
