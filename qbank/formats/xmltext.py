"""What the XML writers (Moodle XML, QTI) share: the one escaping of text
and attribute values, and the checks of what goes into them.

The writers lay their documents out as text rather than building element
trees (an lxml tree costs seconds on a 10,000-question bank, formatting
strings a fraction of that; issue #5's export targets are out of reach
with trees). That makes escaping a duty of each template slot, so every
value a writer did not make itself goes through ``escape_text`` or
``escape_attribute`` here, the exact bytes are pinned by tests, and every
export is parsed back in the property tests.

XML 1.0 cannot carry most C0 control characters, lone surrogates or the
non-characters U+FFFE/U+FFFF, not even as character references. Rather
than drop or replace them (silently changing what a candidate reads), the
writers refuse them with an error that names the question and the field.
"""

from __future__ import annotations

import re
from html import escape

from qbank.errors import FormatError
from qbank.model import Question

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same test on UTF-8 bytes, for the fast path: deleting bytes and finding
# a sequence run at memory speed, the regex's character class at ~100 MB/s.
# Lone surrogates cannot be encoded; U+FFFE and U+FFFF are these sequences.
_XML_INVALID_C0_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
_XML_NONCHARACTERS_UTF8 = ("\ufffe".encode(), "\uffff".encode())


# html.escape, not xml.sax.saxutils.escape: the same & < > replacements,
# and importing saxutils pulls in urllib and http.client (50 ms at start-up).
# Besides & < >, libxml2 escapes (and so we do, to keep the bytes lxml
# wrote) in text the carriage return, which a parser would read as a line
# feed; in attribute values also the quote and the white space a parser
# would turn into spaces.
_ATTRIBUTE_WHITESPACE = (("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;"))


def escape_text(value: str) -> str:
    """``value`` as element content."""
    # Most texts need no escaping; four scans cost a fifth of escape's replacements.
    if "&" in value or "<" in value or ">" in value:
        value = escape(value, quote=False)
    return value.replace("\r", "&#13;") if "\r" in value else value


def escape_attribute(value: str) -> str:
    """``value`` as the content of a double-quoted attribute."""
    value = escape(value, quote=False).replace('"', "&quot;")
    for character, reference in _ATTRIBUTE_WHITESPACE:
        if character in value:
            value = value.replace(character, reference)
    return value


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
    yield "id", question.id
    yield "stem", question.stem
    for n, option in enumerate(question.options):
        yield f"options[{n}].text", option.text
        if option.rationale is not None:
            yield f"options[{n}].rationale", option.rationale
    if question.explanation is not None:
        yield "explanation", question.explanation
    for n, section in enumerate(question.syllabus):
        yield f"syllabus[{n}]", section
    for n, tag in enumerate(question.tags):
        yield f"tags[{n}]", tag
    for field in ("difficulty", "bloom"):
        if (value := getattr(question, field)) is not None:
            yield field, value


def xml_can_carry(text: str) -> bool:
    """Whether XML 1.0 can carry every character of ``text``."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return (len(data.translate(None, _XML_INVALID_C0_BYTES)) == len(data)
            and not any(sequence in data for sequence in _XML_NONCHARACTERS_UTF8))


def question_text_values(question: Question) -> list[str]:
    """The texts of question_texts without their field paths (which cost more
    to format than the check itself): the fast path of check_question."""
    texts = [question.id, question.stem, question.explanation or "", *question.syllabus, *question.tags,
             question.difficulty or "", question.bloom or ""]
    for option in question.options:
        texts += (option.text, option.rationale or "")
    return texts


def check_question(question: Question) -> None:
    """Raise InvalidXmlText for the first field XML cannot carry."""
    # One test of all fields (joined by a character XML accepts) is the
    # fast path; only a question that fails is searched field by field.
    if xml_can_carry("\n".join(question_text_values(question))):
        return
    for field, text in question_texts(question):
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
