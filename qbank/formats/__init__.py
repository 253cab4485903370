"""The one registry of formats: name -> module, imported only when used.

A format module may provide any of:

- ``write_questions(questions, syllabus, options: ExportOptions) -> bytes``
  for LMS/text exports of a set of questions (moodle, qti, gift, aiken),
  and ``unsupported_reason(question) -> str | None`` saying why a question
  cannot be expressed (None when it can);
- ``read_questions(data: bytes, options: ImportOptions) -> ImportResult``
  for imports (both types live in qbank.importing, with the pipeline);
- ``write_paper(paper, options) -> bytes`` and ``write_key(paper, options)
  -> bytes`` for printable papers (pdf, docx).

Adding a format is one new module and one line below. Heavy dependencies
(reportlab, python-docx, lxml) are imported inside the module, which is
itself imported only when that format is used, so ``qbank --help`` and
``qbank validate`` stay fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from qbank.errors import FormatError
from qbank.model import Syllabus

# 2000-01-01T00:00:00Z: the date reportlab's invariant mode stamps, used for
# every date in a paper when SOURCE_DATE_EPOCH is not set.
DEFAULT_EPOCH = 946684800

@dataclass(frozen=True)
class Pool:
    """A blueprint section resolved against a bank: the LMS draws ``select``
    of ``question_ids`` per candidate (QTI ``<selection>``)."""

    title: str
    select: int
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class ExportOptions:
    """What every question exporter is told besides the questions."""

    # When set, every question goes into this one category (a paper variant
    # exported to an LMS); otherwise categories follow the syllabus.
    category: str | None = None
    # Title for the whole export (QTI test title, Moodle top category).
    title: str | None = None
    # When set, the export is a test drawn per candidate from these pools
    # (a blueprint) instead of one section per syllabus section.
    pools: tuple[Pool, ...] | None = None


@dataclass(frozen=True)
class PaperOptions:
    """What the printable-paper writers (pdf, docx) are told besides the paper."""

    # Add an answer sheet with a bubble grid after the questions.
    answer_sheet: bool = False
    # A TrueType font for scripts the bundled DejaVu Sans lacks; sibling
    # files named like NAME-Bold.ttf / NAME-Italic.ttf are used when present.
    font: str | None = None
    # A .docx whose styles the DOCX papers use (Title, Heading 1, List Number…).
    docx_template: str | None = None
    # For section titles in the answer keys.
    syllabus: Syllabus | None = None
    # Seconds since the epoch for every date stamped in a file (SOURCE_DATE_EPOCH).
    timestamp: int = DEFAULT_EPOCH


FORMATS: dict[str, str] = {
    "aiken": "qbank.formats.aiken",
    "docx": "qbank.formats.docx",
    "gift": "qbank.formats.gift",
    "moodle": "qbank.formats.moodle",
    "pdf": "qbank.formats.pdf",
    "qti": "qbank.formats.qti",
}


def get_format(name: str) -> ModuleType:
    try:
        module_name = FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS)) or "none"
        raise FormatError(f"unknown format {name!r}; known formats: {known}") from None
    return importlib.import_module(module_name)


def by_home_section(questions, syllabus):
    """(section trail, questions) per syllabus section, in syllabus order, for
    sections that hold questions; the trail is the section and its ancestors,
    outermost first. Questions whose home section the syllabus does not know
    come last with the trail ()."""
    groups: dict = {}
    for question in questions:
        groups.setdefault(question.section, []).append(question)
    for section, ancestors in syllabus.walk():
        if section.id in groups:
            yield ancestors + (section,), groups.pop(section.id)
    strays = [question for group in groups.values() for question in group]
    if strays:
        yield (), strays


def names_with(capability: str) -> list[str]:
    """Format names whose module provides ``capability`` (imports each module)."""
    return sorted(name for name in FORMATS if hasattr(get_format(name), capability))


# The earliest date a zip entry can carry (1980-01-01), in seconds since 1970.
ZIP_EPOCH = 315532800


def deterministic_zip(entries, epoch: int | None, compresslevel: int = 6) -> bytes:
    """A zip of (name, bytes) entries in the given order whose bytes depend only on them.

    Every entry gets the same timestamp (``epoch``, no earlier than 1980),
    the same permissions and the same compression (deflate at
    ``compresslevel``), so DOCX files and QTI packages are identical from
    one build to the next.
    """
    import io
    import time
    import zipfile

    stamp = time.gmtime(max(epoch or 0, ZIP_EPOCH))[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=compresslevel)
    return buffer.getvalue()
