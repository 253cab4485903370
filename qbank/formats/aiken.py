"""Aiken, Moodle's simplest text format: single-answer questions only.

    What is 2 + 2?
    A) 3
    B) 4
    ANSWER: B

A question is one line of text, then option lines ``A)`` or ``A.`` (a
space after the label is optional, as in Moodle 4.5), then ``ANSWER:`` and
the right letter. There is no feedback, category, id or tag: an Aiken
export drops rationales and explanations (a documented limit), and an
import needs ``--section``. Text is written and read as qbank's Markdown
subset as it is, so markup survives a round trip (Moodle shows the marks).
"""

from __future__ import annotations

import re
from string import ascii_uppercase

_OPTION = re.compile(r"^([A-Z])[).][ \t]?(.*)$")
_ANSWER = re.compile(r"^ANSWER:\s*(.*)$")
LETTERS = ascii_uppercase


# -- writing --------------------------------------------------------------------


def unsupported_reason(question) -> str | None:
    if question.type != "single":
        return f"Aiken holds single-answer questions only, not {question.type!r}"
    if len(question.options) > len(LETTERS):
        return f"Aiken labels options A to Z; this question has {len(question.options)} options"
    texts = [("stem", question.stem)] + [(f"option {LETTERS[n]}", o.text) for n, o in enumerate(question.options)]
    for where, text in texts:
        if "\n" in text.strip():
            return f"the {where} has several lines; an Aiken question and each option are one line"
    if _OPTION.match(question.stem.strip()) or _ANSWER.match(question.stem.strip()):
        return "the stem starts like an Aiken option or ANSWER line, so it would not read back"
    return None


def write_questions(questions, syllabus, options) -> bytes:
    from qbank.errors import UnsupportedQuestion

    out: list[str] = []
    for question in questions:
        reason = unsupported_reason(question)
        if reason:
            raise UnsupportedQuestion(question.id, reason)
        out.append(question.stem.strip())
        for letter, option in zip(LETTERS, question.options):
            out.append(f"{letter}) {option.text.strip()}")
        out.append(f"ANSWER: {LETTERS[question.correct_indexes[0]]}")
        out.append("")
    return "\n".join(out).encode("utf-8")


# -- reading --------------------------------------------------------------------


def read_questions(data: bytes, options):
    from qbank.importing import ImportedQuestion, ImportResult, decode_utf8, refuse_xml
    from qbank.model import Option, Question

    text = decode_utf8(data, options.source).replace("\r\n", "\n").replace("\r", "\n")
    refuse_xml(text, options.source, "Aiken")
    questions = []
    stem_lines: list[str] = []
    answers: list[str] = []
    start = None

    def broken(message, line):
        name = " ".join(stem_lines)[:60] or f"line {line}"
        questions.append(ImportedQuestion(Question(id="", type="single", stem="?"), name, line=line,
                                          problems=(message,)))

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        option, answer = _OPTION.match(line), _ANSWER.match(line)
        if option and stem_lines:
            answers.append(option.group(2).strip())
        elif answer and stem_lines:
            letter = answer.group(1).strip()[:1]
            index = LETTERS.find(letter) if letter else -1
            if len(answers) < 2:
                broken(f"line {number}: a question needs at least two options before ANSWER", start)
            elif not 0 <= index < len(answers):
                broken(f"line {number}: ANSWER {letter or '(none)'!r} names no option of this question", start)
            else:
                stem = "\n".join(stem_lines)
                opts = tuple(Option(t, i == index) for i, t in enumerate(answers))
                questions.append(ImportedQuestion(Question(id="", type="single", stem=stem, options=opts),
                                                  " ".join(stem_lines)[:60], line=start))
            stem_lines, answers, start = [], [], None
        elif option or answer:
            stem_lines = []
            broken(f"line {number}: {'an option' if option else 'ANSWER'} without a question before it", number)
        elif answers:
            # Options already started: this line begins the next question, so the last one never ended.
            broken(f"line {start}: the question has no ANSWER line", start)
            stem_lines, answers, start = [line], [], number
        else:
            if not stem_lines:
                start = number
            stem_lines.append(line)
    if stem_lines:
        broken(f"line {start}: the question has no ANSWER line", start)
    return ImportResult(tuple(questions))
