"""Bringing questions from LMS files into a bank.

Readers (``read_questions(data, options)`` in a format module) turn a file
into an ImportResult: the questions qbank can model, each with the category
it came from, plus everything skipped or unreadable, by name. The pipeline
here then, in one place:

    read -> assign sections (categories, --section, --map-category)
         -> assign ids (the file's own id when free, else the next one)
         -> validate with the bank's rules -> write (all, or none)

Imported questions are written with status draft: a person reviews them
(and adds missing rationales) before they reach a paper.
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from qbank import schema, validate
from qbank.bank import (
    SYLLABUS_FILE, Bank, create_all_exclusive, dumps, load_bank,
    question_to_dict, read_json, slugify, write_atomic,
)
from qbank.errors import FormatError, QbankError
from qbank.model import Question, Section, Syllabus

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Moodle's context token ($course$, $system$, ...) and its per-context "top".
_CONTEXT_TOKEN = re.compile(r"^\$[a-z]+\$$")


@contextmanager
def bulk_work():
    """Pause Python's cyclic garbage collector during a bulk import.

    Reading 10,000 questions creates about a million objects and no
    reference cycles, and the collector would rescan them over and over:
    measured at 40 % of a 10,000-question Moodle import.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- what readers return ----------------------------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    """What every reader is told besides the bytes."""

    source: str = "<input>"  # file name, for messages


@dataclass(frozen=True)
class ImportedQuestion:
    """One question as read; ``question.id`` is the file's own id or ""."""

    question: Question
    name: str  # how the file names it, for messages
    category: tuple[str, ...] = ()  # category path in the file, outermost first
    line: int | None = None
    notes: tuple[str, ...] = ()  # content kept as-is or not carried over
    problems: tuple[str, ...] = ()  # reasons the question cannot be imported as is


@dataclass(frozen=True)
class Skipped:
    """A question of a type qbank does not model (yet)."""

    name: str
    kind: str
    line: int | None = None


@dataclass(frozen=True)
class ImportResult:
    questions: tuple[ImportedQuestion, ...] = ()
    skipped: tuple[Skipped, ...] = ()


_TAG_PATTERN = re.compile(r"^[a-z0-9]+([-_.][a-z0-9]+)*$")


def tag_slug(text: str) -> str:
    """An LMS tag as a qbank tag: kept when valid, else lowercased with dashes."""
    text = text.strip()
    if _TAG_PATTERN.match(text):
        return text
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


@dataclass(frozen=True)
class LmsTags:
    """Tags read from an LMS file, with qbank's own exported fields taken back out."""

    tags: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    difficulty: str | None = None
    bloom: str | None = None
    notes: tuple[str, ...] = ()


def read_lms_tags(raw_tags) -> LmsTags:
    """qbank's exports write ``syllabus:<id>``, ``difficulty:<level>`` and ``bloom:<level>``
    as tags (so an LMS can filter on them); every other tag is a tag, made a valid slug."""
    from qbank.model import BLOOM_LEVELS, DIFFICULTIES

    tags, sections, notes = [], [], []
    difficulty = bloom = None
    for raw in raw_tags:
        raw = raw.strip()
        key, _, value = raw.partition(":")
        if key == "syllabus" and value:
            sections.append(value)
        elif key == "difficulty" and value in DIFFICULTIES:
            difficulty = value
        elif key == "bloom" and value in BLOOM_LEVELS:
            bloom = value
        else:
            slug = tag_slug(raw)
            if slug and slug not in tags:
                tags.append(slug)
                if slug != raw:
                    notes.append(f"tag {raw!r} stored as {slug!r}")
    return LmsTags(tuple(tags), tuple(dict.fromkeys(sections)), difficulty, bloom, tuple(notes))


def graded_options(answers, single: bool):
    """Options from LMS answers ``(text, rationale, fraction)`` (fraction 0..1), and a note
    when grades carried partial credit, which qbank cannot express.

    Single answer: the option worth full marks is right. Multiple answer: every
    option worth marks is right (they share the marks equally in qbank).
    """
    from qbank.model import Option

    if single:
        options = tuple(Option(text, abs(fraction - 1) <= 1e-5, rationale) for text, rationale, fraction in answers)
        partial = [f for _, _, f in answers if 1e-5 < f < 1 - 1e-5]
    else:
        options = tuple(Option(text, fraction > 1e-5, rationale) for text, rationale, fraction in answers)
        positive = [f for _, _, f in answers if f > 1e-5]
        partial = positive if len({round(f, 4) for f in positive}) > 1 else []
    note = None
    if partial:
        shown = ", ".join(f"{f * 100:.5g}%" for f in partial)
        note = f"partial credit ({shown}) not kept: qbank marks each option right or wrong"
    return options, note


def decode_utf8(data: bytes, source: str) -> str:
    """The file's text; a clear error naming line and column when it is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise FormatError(
            f"{source}:{line}:{column}: not valid UTF-8 (byte 0x{data[error.start]:02x}); "
            "save the file as UTF-8 and import it again"
        ) from None


def refuse_xml(text: str, source: str, format_name: str) -> None:
    """A clear error when an XML file is given to a text-format reader."""
    if text.lstrip().startswith(("<?xml", "<quiz")):
        raise FormatError(f"{source}: this is XML, not {format_name}; for Moodle XML use `qbank import moodle`")


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, refusing files over ``max_bytes`` before reading them."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FormatError(
                f"{path}: {size / 2**20:.0f} MB is over the import limit of {max_bytes / 2**20:.0f} MB; "
                "split the file, or raise the limit with --max-size"
            )
        return path.read_bytes()
    except OSError as error:
        raise FormatError(f"{path}: cannot read the file: {error.strerror or error}") from None


def read(format_name: str, data: bytes, source: str) -> ImportResult:
    from qbank.formats import get_format

    module = get_format(format_name)
    if not hasattr(module, "read_questions"):
        raise FormatError(f"qbank cannot import {format_name!r} files (it only exports them)")
    result = module.read_questions(data, ImportOptions(source=source))
    if not result.questions and not result.skipped:
        raise FormatError(f"{source}: no questions found; is this a {format_name} file?")
    return result


# -- planning: sections, ids, validation ------------------------------------------------


@dataclass(frozen=True)
class Planned:
    question: Question
    path: Path
    origin: ImportedQuestion
    problems: tuple[str, ...] = ()
    document: dict | None = None  # the question as it will be stored


@dataclass
class ImportPlan:
    bank: Bank
    syllabus: Syllabus  # with the sections this import adds
    new_sections: list[Section] = field(default_factory=list)  # (flattened, for the report)
    planned: list[Planned] = field(default_factory=list)
    skipped: tuple[Skipped, ...] = ()

    @property
    def valid(self) -> list[Planned]:
        return [p for p in self.planned if not p.problems]

    @property
    def invalid(self) -> list[Planned]:
        return [p for p in self.planned if p.problems]


def plan_import(
    bank: Bank,
    result: ImportResult,
    section: str | None = None,
    category_map: dict[str, str] | None = None,
) -> ImportPlan:
    """Decide where every question goes and check it, without writing anything."""
    if section is not None and bank.syllabus.find(section) is None:
        raise QbankError(f"unknown syllabus section {section!r} in {bank.root / SYLLABUS_FILE}; see `qbank stats`")
    for target in (category_map or {}).values():
        if bank.syllabus.find(target) is None:
            raise QbankError(f"--map-category names unknown section {target!r}; use a section id from syllabus.json")
    mapper = _CategoryMapper(bank.syllabus, category_map or {})
    # One set instead of a syllabus walk (Syllabus.find) per question.
    bank_sections = {s.id for s, _ in bank.syllabus.walk()}
    homes = []
    for item in result.questions:
        if section is not None:
            homes.append(section)
        elif item.category:
            homes.append(mapper.section_for(item.category, fallback=_known_section(item.question, bank_sections)))
        else:
            homes.append(None)
    homeless = [item.name for item, home in zip(result.questions, homes) if home is None]
    if homeless:
        raise QbankError(
            f"{len(homeless)} question(s) have no category in the file (first: {homeless[0]!r}); "
            "choose their syllabus section with --section, e.g. --section 2.4"
        )
    plan = ImportPlan(bank=bank, syllabus=mapper.syllabus, new_sections=mapper.created, skipped=result.skipped)

    from qbank.authoring import issued_ids

    # Ids ever issued (the authoring ledger) are never reused, even for deleted questions.
    taken = {q.id for q in bank.questions} | {p.stem for p in bank.paths.values()} | set(issued_ids(bank.root))
    # A question keeps the file's id when it is a valid id, free in the bank and its first use in the file.
    keep_own: set[str] = set()
    why_not: list[str | None] = []
    for item in result.questions:
        own = item.question.id
        if not own:
            why_not.append("")
        elif not (ID_PATTERN.match(own) and len(own) <= 64):
            why_not.append("is not a valid qbank id")
        elif own in taken:
            why_not.append("is taken in the bank")
        elif own in keep_own:
            why_not.append("is used twice in the file")
        else:
            keep_own.add(own)
            why_not.append(None)
    fresh_needed: dict[str, int] = {}
    for reason, home in zip(why_not, homes):
        if reason is not None:
            fresh_needed[home] = fresh_needed.get(home, 0) + 1
    fresh = {home: iter(_fresh_ids(bank, home, count, keep_own)) for home, count in fresh_needed.items()}

    dirs: dict[str, Path] = {}
    documents = []
    for item, home, reason in zip(result.questions, homes, why_not):
        notes = list(item.notes)
        if reason is None:
            question_id = item.question.id
        else:
            question_id = next(fresh[home])
            if reason:
                notes.append(f"its id {item.question.id!r} {reason}; given {question_id}")
        extra = [s for s in item.question.syllabus if s != home]
        unknown = [s for s in extra if plan.syllabus.find(s) is None]
        if unknown:
            notes.append(f"section(s) {', '.join(unknown)} from its tags are not in this syllabus; left out")
        syllabus_ids = (home,) + tuple(s for s in extra if s not in unknown)
        question = replace(item.question, id=question_id, syllabus=syllabus_ids, status="draft")
        if home not in dirs:
            dirs[home] = _section_dir(bank, plan.syllabus, home)
        path = dirs[home] / f"{question_id}.json"
        # dataclasses.replace costs ~10 us a call: 10,000 questions, three calls each, added up.
        origin = item if len(notes) == len(item.notes) else replace(item, notes=tuple(notes))
        plan.planned.append(Planned(question, path, origin, item.problems))
        documents.append((path, question))

    _check(plan, documents)
    return plan


def _fresh_ids(bank: Bank, section_id: str, count: int, kept: set[str]) -> list[str]:
    """The next ``count`` ids of a section, as ``qbank add`` numbers them (after every id on
    disk or in the ledger), also after the file's own ids this import keeps."""
    from qbank.authoring import format_id, id_base, next_number

    base = id_base(bank, section_id)
    pattern = re.compile(rf"^{re.escape(base)}-(\d+)$")
    start = max([next_number(bank, base)] + [int(m.group(1)) + 1 for m in map(pattern.match, kept) if m])
    return [format_id(base, number) for number in range(start, start + count)]


def _known_section(question: Question, section_ids: set[str]) -> str | None:
    """The first of the question's own sections (from qbank's syllabus: tags) that the bank has."""
    return next((s for s in question.syllabus if s in section_ids), None)


def _section_dir(bank: Bank, syllabus: Syllabus, section_id: str) -> Path:
    if bank.syllabus.find(section_id) is not None:
        return bank.section_dir(section_id)
    title = syllabus.find(section_id).title
    return bank.root / f"{section_id}-{slugify(title)}".rstrip("-")


def _check(plan: ImportPlan, documents: list[tuple[Path, Question]]) -> None:
    """Schema and bank rules, over the bank as it would be after the import."""
    problems: dict[Path, list[str]] = {}
    stored: dict[Path, dict] = {}
    for path, question in documents:
        stored[path] = doc = question_to_dict(question)
        problems[path] = [f"{where}: {message}" for where, message in schema.schema_errors("question", doc)]
    existing = [(plan.bank.paths[q.id], q) for q in plan.bank.questions if q.id in plan.bank.paths]
    for problem in validate.question_problems(existing + documents, plan.syllabus):
        if Path(problem.file) in problems:
            problems[Path(problem.file)].append(f"{problem.json_path}: {problem.message}")
    plan.planned = [
        Planned(p.question, p.path, p.origin, p.problems + tuple(dict.fromkeys(problems[p.path])), stored[p.path])
        for p in plan.planned
    ]


class _CategoryMapper:
    """Category paths -> section ids, adding sections for unknown categories.

    A category segment names a section when it equals the section's id, its
    title, or "<id> <title>" (how qbank's own exports name categories). The
    deepest segment that names a section wins; segments below it that name
    none become new subsections, numbered after their siblings.
    """

    def __init__(self, syllabus: Syllabus, explicit: dict[str, str]):
        self.syllabus = syllabus
        self.explicit = explicit
        self.created: list[Section] = []
        self._cache: dict[tuple[str, ...], str] = {}

    def section_for(self, category: tuple[str, ...], fallback: str | None = None) -> str:
        """The section of a category; ``fallback`` (a section the question's own tags name)
        is used instead of creating a section for a category the syllabus lacks."""
        path = self._clean(category)
        if path not in self._cache:
            known = self._resolve(path, create=False)
            if known is None and fallback is not None:
                return fallback
            self._cache[path] = known or self._resolve(path)
        return self._cache[path]

    def _clean(self, category: tuple[str, ...]) -> tuple[str, ...]:
        parts = [c.strip() for c in category if c.strip()]
        if parts and _CONTEXT_TOKEN.match(parts[0]):
            parts = parts[1:]
        if parts and parts[0] == "top":
            parts = parts[1:]
        if parts and parts[0] == self.syllabus.title and len(parts) > 1:
            parts = parts[1:]
        return tuple(parts)

    def _resolve(self, path: tuple[str, ...], create: bool = True) -> str | None:
        joined = "/".join(path)
        for key in (joined, path[-1] if path else ""):
            if key in self.explicit:
                return self.explicit[key]
        parent: str | None = None
        start = 0
        for depth in range(len(path), 0, -1):
            found = self._named(path[depth - 1])
            if found is not None:
                parent, start = found, depth
                break
        if not create:
            return parent if start == len(path) and path else None
        for name in path[start:]:
            parent = self._add(parent, name)
        if parent is None:
            raise QbankError("a question's category is empty; choose its section with --section")
        return parent

    def _named(self, segment: str) -> str | None:
        for section, _ in self.syllabus.walk():
            if segment in (section.id, section.title, f"{section.id} {section.title}"):
                return section.id
        return None

    def _add(self, parent: str | None, title: str) -> str:
        siblings = self.syllabus.sections if parent is None else self.syllabus.find(parent).children
        for sibling in siblings:
            if sibling.title == title:
                return sibling.id
        numbers = [int(s.id.rsplit(".", 1)[-1]) for s in siblings if s.id.rsplit(".", 1)[-1].isdigit()]
        number = max(numbers, default=0) + 1
        section_id = f"{parent}.{number}" if parent else str(number)
        while self.syllabus.find(section_id) is not None:
            number += 1
            section_id = f"{parent}.{number}" if parent else str(number)
        section = Section(id=section_id, title=title)
        self.created.append(section)
        self.syllabus = _with_section(self.syllabus, parent, section)
        return section_id


def _with_section(syllabus: Syllabus, parent: str | None, new: Section) -> Syllabus:
    if parent is None:
        return replace(syllabus, sections=syllabus.sections + (new,))

    def add(sections):
        return tuple(
            replace(s, children=s.children + (new,)) if s.id == parent else replace(s, children=add(s.children))
            for s in sections
        )

    return replace(syllabus, sections=add(syllabus.sections))


# -- writing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    paths: tuple[Path, ...]
    syllabus_changed: bool


def write_plan(plan: ImportPlan, partial: bool = False) -> Written:
    """Write the planned questions (all valid ones with ``partial``); nothing if any is invalid."""
    if plan.invalid and not partial:
        raise QbankError(
            f"{len(plan.invalid)} of {len(plan.planned)} question(s) would be invalid, so nothing was written; "
            "fix the file, or write the valid ones with --partial"
        )
    with bulk_work():
        return _write(plan)


def _write(plan: ImportPlan) -> Written:
    chosen = plan.valid
    needed = {p.question.section for p in chosen}
    created = [s for s in plan.new_sections if any(n == s.id or n.startswith(s.id + ".") for n in needed)]
    if created:
        _add_sections_to_file(plan.bank.root / SYLLABUS_FILE, created)
    from qbank.authoring import record_all_issued

    written, taken = create_all_exclusive([(p.path, dumps(p.document)) for p in chosen])
    created_paths = set(written)
    record_all_issued(plan.bank.root, [p.question.id for p in chosen if p.path in created_paths])
    if taken is not None:
        raise QbankError(
            f"{taken} appeared while importing (another program wrote it); {len(written)} question(s) "
            "before it were written, the rest not: run the import again for the rest"
        )
    return Written(tuple(written), bool(created))


def _add_sections_to_file(path: Path, sections: list[Section]) -> None:
    """Append sections to syllabus.json, keeping everything else in it as written."""
    doc, problems = read_json(path)
    if problems:
        raise QbankError(str(problems[0]))

    def children_of(parent_id, nodes):
        for node in nodes:
            if node["id"] == parent_id:
                return node.setdefault("children", [])
            found = children_of(parent_id, node.get("children", []))
            if found is not None:
                return found
        return None

    for section in sections:  # parents come before their children
        parent = section.id.rsplit(".", 1)[0] if "." in section.id else None
        siblings = doc["sections"] if parent is None else children_of(parent, doc["sections"])
        siblings.append({"id": section.id, "title": section.title})
    write_atomic(path, dumps(doc))


def import_file(
    format_name: str,
    file: Path,
    into: Path,
    *,
    section: str | None = None,
    category_map: dict[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportPlan:
    """Read ``file`` and plan its import into the bank at ``into`` (nothing written yet)."""
    bank = load_bank(into)
    data = read_file(file, max_bytes)
    with bulk_work():
        result = read(format_name, data, str(file))
        return plan_import(bank, result, section=section, category_map=category_map)
