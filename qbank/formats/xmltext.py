"""Text checks shared by the XML writers (Moodle XML, QTI).

XML 1.0 cannot carry most C0 control characters, lone surrogates or the
non-characters U+FFFE/U+FFFF, not even as character references. Rather
than drop or replace them (silently changing what a candidate reads), the
writers refuse them with an error that names the question and the field.
"""

from __future__ import annotations

import re

from qbank.errors import FormatError
from qbank.model import Question

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class InvalidXmlText(FormatError):
    """A text holds a character that XML 1.0 cannot represent."""


def xml_text(text: str, question_id: str, field: str) -> str:
    """``text`` unchanged if XML can carry it; otherwise an InvalidXmlText error."""
    bad = _XML_INVALID.search(text)
    if bad is not None:
        raise InvalidXmlText(
            f"{question_id}: {field} contains the character U+{ord(bad.group()):04X} at position "
            f"{bad.start()}, which XML 1.0 cannot represent; remove it from the question"
        )
    return text


def question_texts(question: Question):
    """Every text field of a question as (field path, text), for checking before writing."""
    yield "stem", question.stem
    for n, option in enumerate(question.options):
        yield f"options[{n}].text", option.text
        if option.rationale is not None:
            yield f"options[{n}].rationale", option.rationale
    if question.explanation is not None:
        yield "explanation", question.explanation
    for n, tag in enumerate(question.tags):
        yield f"tags[{n}]", tag


def check_question(question: Question) -> None:
    """Raise InvalidXmlText for the first field XML cannot carry."""
    texts = list(question_texts(question))
    # One search over all fields (joined by a character XML accepts) is the
    # fast path; only a question that fails is searched field by field.
    if _XML_INVALID.search("\n".join(text for _, text in texts)) is None:
        return
    for field, text in texts:
        xml_text(text, question.id, field)


def check_export_texts(syllabus, options) -> None:
    """Raise InvalidXmlText for a bank or export title XML cannot carry.

    Question fields are checked per question (check_question); these are
    the other texts the XML writers put into a file.
    """
    texts = [("syllabus.json: title", syllabus.title)]
    texts += [(f"syllabus.json: section {section.id} title", section.title) for section, _ in syllabus.walk()]
    texts += [(f"--{name}", value) for name in ("title", "category") if (value := getattr(options, name, None))]
    pools = getattr(options, "pools", None) or ()
    texts += [(f"blueprint section {n} title", pool.title) for n, pool in enumerate(pools, 1)]
    for where, text in texts:
        bad = _XML_INVALID.search(text)
        if bad is not None:
            raise InvalidXmlText(
                f"{where} contains the character U+{ord(bad.group()):04X}, which XML 1.0 cannot represent; remove it"
            )
