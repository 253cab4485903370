"""Reading and writing a bank folder.

A bank is a folder with ``syllabus.json`` and one ``<id>.json`` per question
in section folders below it::

    questions/itil4-foundation/syllabus.json
    questions/itil4-foundation/2.4-service-relationships/itil4f-2-4-001.json

Reading reports every problem of every file in one pass (``Bank.problems``);
``load_bank`` raises InvalidBankError when there is any. Writes are atomic,
and creating a question never overwrites an existing file.
"""

from __future__ import annotations

import gc
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import orjson

from qbank import schema, validate
from qbank.errors import BankError, InvalidBankError, Problem
from qbank.model import Option, Question, Section, Syllabus

SYLLABUS_FILE = "syllabus.json"
DEFAULT_ROOT = "questions"
ROOT_ENV = "QBANK_BANK"


@dataclass
class Bank:
    root: Path
    syllabus: Syllabus
    questions: list[Question] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.syllabus.id

    def get(self, question_id: str) -> Question | None:
        return self._by_id().get(question_id)

    def _by_id(self) -> dict[str, Question]:
        if getattr(self, "_index", None) is None or len(self._index) != len(self.questions):
            self._index = {q.id: q for q in self.questions}
        return self._index

    def section_dir(self, section_id: str) -> Path:
        """The folder that holds a section's questions (existing, or the conventional name)."""
        for path in sorted(self.root.iterdir()) if self.root.is_dir() else ():
            if path.is_dir() and path.name.split("-", 1)[0] == section_id:
                return path
        section = self.syllabus.find(section_id)
        title = section.title if section else ""
        return self.root / f"{section_id}-{slugify(title)}".rstrip("-")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# -- locating banks -----------------------------------------------------------


def default_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def find_banks(path: Path | str) -> list[Path]:
    """Bank folders at or below ``path`` (a bank, a folder of banks, or a file in a bank)."""
    path = Path(path)
    if not path.exists():
        raise BankError(
            f"{path}: no such file or folder; pass a bank folder (one with "
            f"{SYLLABUS_FILE}) or a folder of banks, with --bank or {ROOT_ENV}"
        )
    if path.is_file():
        for parent in path.resolve().parents:
            if (parent / SYLLABUS_FILE).is_file():
                return [_relative(parent)]
        raise BankError(f"{path}: not inside a bank (no {SYLLABUS_FILE} in any parent folder)")
    if (path / SYLLABUS_FILE).is_file():
        return [path]
    banks = sorted(p.parent for p in path.glob(f"*/{SYLLABUS_FILE}"))
    if not banks:
        raise BankError(
            f"{path}: no bank here; a bank is a folder with {SYLLABUS_FILE} "
            "(see README: Bank layout)"
        )
    return banks


def resolve_bank(path: Path | str | None = None) -> Path:
    """The single bank a command works on; an error names the choices if there are several."""
    banks = find_banks(path if path is not None else default_root())
    if len(banks) > 1:
        names = ", ".join(str(b) for b in banks)
        raise BankError(f"several banks found ({names}); choose one with --bank")
    return banks[0]


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


# -- reading --------------------------------------------------------------------


def question_files(bank_root: Path) -> list[str]:
    """Every question file of a bank, in path order (hidden folders and media/ skipped)."""
    root = str(bank_root)
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "media"]
        at_root = directory == root
        found.extend(
            os.path.join(directory, name)
            for name in filenames
            if name.endswith(".json") and not (at_root and name == SYLLABUS_FILE)
        )
    # Plain strings: sorting and joining Path objects costs several times more.
    return sorted(found)


def read_bytes(path: Path | str) -> bytes:
    """The whole file. os.open/os.read, not open(): a bank is thousands of
    small files, and the buffered file object open() builds around each
    doubles the cost of reading them."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_json(path: Path | str) -> tuple[object, list[Problem]]:
    """Parse one JSON file; on failure, (None, [a located problem])."""
    shown = str(path)
    try:
        data = read_bytes(path)
    except OSError as error:
        return None, [Problem(shown, f"cannot read the file: {error.strerror or error}")]
    if b"\x00" in data[:4]:  # json.loads would quietly accept UTF-16/32
        return None, [Problem(shown, "the file is not UTF-8 (it looks like UTF-16 or UTF-32); save it as UTF-8", line=1, column=1)]
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [
            Problem(shown, "the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM", line=1, column=1)
        ]
    try:
        # The slower checks below, and the standard library's wording of
        # the error, only for a file that fails.
        return orjson.loads(data), []
    except orjson.JSONDecodeError as error:
        strict_error = error
    if not data.strip():
        return None, [Problem(shown, "the file is empty; write a JSON object or delete the file", line=1, column=1)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [
            Problem(shown, f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8", line=line, column=column)
        ]
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return None, [Problem(shown, f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno)]
    # Python's json reads what JSON (RFC 8259) does not allow and orjson
    # refuses: NaN, Infinity, a number too large for a double, a lone
    # surrogate. No other JSON reader would take the file either.
    return None, [Problem(shown, f"invalid JSON: {strict_error.msg}", line=strict_error.lineno,
                          column=strict_error.colno)]


def read_bank(path: Path | str) -> Bank:
    """Read a bank folder and check it; every problem is in ``Bank.problems``."""
    # Reading a bank creates a few hundred thousand containers that all stay
    # alive; the cyclic collector would walk them again and again for
    # nothing (about a fifth of the load time on 10,000 questions).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_bank(Path(path))
    finally:
        if collecting:
            gc.enable()


def _read_bank(root: Path) -> Bank:
    syllabus_path = root / SYLLABUS_FILE
    doc, problems = read_json(syllabus_path)
    syllabus = None
    if doc is not None:
        problems += _syllabus_problems(str(syllabus_path), doc)
        if not problems:
            syllabus = syllabus_from_dict(doc)
            problems += validate.syllabus_problems(str(syllabus_path), syllabus)
    if syllabus is None:
        # Without a usable syllabus the questions can still be checked
        # against the schema; section ids then cannot be.
        syllabus = Syllabus(id=root.name, title=root.name, sections=())
    bank = Bank(root=root, syllabus=syllabus)
    known_sections = validate.section_ids(syllabus) if not problems else None
    documents = []
    plain_stems = []
    question_problems = []
    for file, question, file_problems, plain_stem in _checked_questions(question_files(root), known_sections):
        question_problems += file_problems
        if question is not None:
            documents.append((file, question))
            plain_stems.append(plain_stem)
    question_problems += validate.bank_wide_problems(documents, plain_stems)
    # A file's problems together, files in path order (a stable sort keeps
    # each file's problems in the order they were found).
    question_problems.sort(key=lambda problem: problem.file)
    bank.problems = problems + question_problems
    for file, question in documents:
        bank.questions.append(question)
        if question.id not in bank.paths:
            bank.paths[question.id] = Path(file)
    return bank


# Below this many files, starting a second process costs more than it saves.
PARALLEL_MIN_FILES = 2000
# The forked process's part of the files. Less than half: it also pickles
# its questions, and the parent unpickles them, so both finish together.
CHILD_SHARE = 0.45

CheckedQuestion = tuple[str, "Question | None", list[Problem], str]


def _checked_questions(files: list[str], known_sections: frozenset[str] | None) -> list[CheckedQuestion]:
    """Each file read, checked against the schema and the single-question
    rules, and made a Question: (file, question, problems, its stem as
    bank_wide_problems compares stems), the question None when the file is
    unusable. A large bank is split with a second process, which sends back
    its part ready-made."""
    from qbank.parallel import in_two_parts

    return in_two_parts(partial(_check_questions, known_sections=known_sections), files,
                        PARALLEL_MIN_FILES, CHILD_SHARE)


def _check_questions(files: list[str], known_sections: frozenset[str] | None) -> list[CheckedQuestion]:
    checked = []
    for file in files:
        doc, problems = read_json(file)
        question, plain_stem = None, ""
        if doc is not None:
            problems = [Problem(file, message, json_path=where) for where, message in schema.schema_errors("question", doc)]
            if not problems:
                question = question_from_dict(doc)
                problems = validate.single_question_problems(file, question, known_sections)
                plain_stem = validate.comparable_stem(question)
        checked.append((file, question, problems, plain_stem))
    return checked


def _syllabus_problems(shown: str, doc) -> list[Problem]:
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    if isinstance(version, int) and version > schema.BANK_SCHEMA_VERSION:
        return [
            Problem(
                shown,
                f"this bank uses format version {version}, but this qbank reads version "
                f"{schema.BANK_SCHEMA_VERSION}; upgrade qbank (pip install -U qbank)",
                json_path="$.schema_version",
            )
        ]
    return [Problem(shown, message, json_path=where) for where, message in schema.schema_errors("syllabus", doc)]


def load_bank(path: Path | str | None = None) -> Bank:
    """Read a valid bank, or raise InvalidBankError listing every problem."""
    bank = read_bank(resolve_bank(path))
    errors = [p for p in bank.problems if p.severity == "error"]
    if errors:
        raise InvalidBankError(errors)
    return bank


# -- dict <-> model ---------------------------------------------------------------

QUESTION_KEYS = (
    "id", "type", "stem", "options", "shuffle", "explanation", "syllabus", "tags",
    "difficulty", "bloom", "points", "status", "source", "authors", "created",
    "updated", "revision",
)


def question_from_dict(doc: dict) -> Question:
    """The model of a question document that passed the schema."""
    get = doc.get
    return _frozen(Question, {
        "id": doc["id"],
        "type": doc["type"],
        "stem": doc["stem"],
        "options": tuple(
            _frozen(Option, {"text": o["text"], "correct": o["correct"], "rationale": o.get("rationale"),
                             "fixed": o.get("fixed", False)})
            for o in get("options", ())
        ),
        "shuffle": get("shuffle", True),
        "explanation": get("explanation"),
        "syllabus": tuple(get("syllabus", ())),
        "tags": tuple(get("tags", ())),
        "difficulty": get("difficulty"),
        "bloom": get("bloom"),
        "points": get("points", 1),
        "status": get("status", "draft"),
        "source": get("source"),
        "authors": tuple(get("authors", ())),
        "created": get("created"),
        "updated": get("updated"),
        "revision": get("revision", 1),
    })


def _frozen(cls, fields: dict):
    """An instance of the frozen dataclass ``cls`` from a value for every field.

    Made as pickle and copy make one, by filling its ``__dict__``: a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``,
    which made building the model a quarter of the time it takes to read a
    large bank. A test checks that every field is given.
    """
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


def question_to_dict(question: Question, schema_ref: str | None = None) -> dict:
    """The question as stored: fixed key order, empty optional fields left out."""
    doc: dict = {"$schema": schema_ref} if schema_ref else {}
    for key in QUESTION_KEYS:
        value = getattr(question, key)
        if key == "options":
            value = [_option_to_dict(o) for o in value]
        elif isinstance(value, tuple):
            value = list(value)
        if value is None or (value == [] and key not in ("options", "syllabus")):
            continue
        doc[key] = value
    return doc


def _option_to_dict(option: Option) -> dict:
    out = {"text": option.text, "correct": option.correct}
    if option.rationale is not None:
        out["rationale"] = option.rationale
    if option.fixed:
        out["fixed"] = True
    return out


def syllabus_from_dict(doc: dict) -> Syllabus:
    def section(d):
        return Section(
            id=d["id"],
            title=d["title"],
            weight=d.get("weight"),
            outcomes=tuple(d.get("outcomes", ())),
            children=tuple(section(c) for c in d.get("children", ())),
        )

    return Syllabus(
        id=doc["id"],
        title=doc["title"],
        sections=tuple(section(s) for s in doc["sections"]),
        schema_version=doc["schema_version"],
        id_prefix=doc.get("id_prefix"),
        description=doc.get("description"),
    )


def dumps(doc) -> str:
    """JSON as a bank stores it: two-space indents, characters as UTF-8, a final newline."""
    try:
        # Ten times faster than json.dumps with indent (which leaves its C
        # encoder for Python code), and the same text but for exponents
        # (1e-7, not 1e-07); a test compares the two on real files.
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, which json writes
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# -- writing ----------------------------------------------------------------------


def write_atomic(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (or bytes) all at once: readers see the old or the new file."""
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _file_mode(path: Path) -> int:
    """The replaced file's permissions, or for a new file what open() would give
    (mkstemp's temporary files are private, 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def create_exclusive(path: Path, text: str) -> bool:
    """Create ``path`` with ``text`` complete, only if it does not exist yet.

    The content is written to a temporary file first and then hard-linked
    into place, which fails if the name is taken: the file never exists
    half-written and an existing file is never replaced. Returns False when
    the name was taken.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        _unlink_quietly(tmp)


def create_all_exclusive(files: list[tuple[Path, str]]) -> tuple[list[Path], Path | None]:
    """Create many files like ``create_exclusive``, with one disk sync for all.

    Every file is written to a temporary name first, then everything is
    flushed to disk at once (``os.sync``: one call instead of an fsync per
    file, which makes a 10,000-question import take seconds, not minutes),
    then each is hard-linked into place. A file never exists half-written
    and none is replaced. Returns the paths created and the first path found
    taken (None if none was); linking stops there.
    """
    temporary: list[str] = []
    pid = os.getpid()
    try:
        made_dirs: set[str] = set()
        # Plain strings, not Path objects: path arithmetic dominated the time.
        for path, text in files:
            parent, name = os.path.split(os.fspath(path))
            if parent not in made_dirs:
                os.makedirs(parent or ".", exist_ok=True)
                made_dirs.add(parent)
            tmp = os.path.join(parent, f".{name}.{pid}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                fd, tmp = tempfile.mkstemp(dir=parent or ".", prefix=f".{name}.", suffix=".tmp")
            temporary.append(tmp)
            try:
                remaining = memoryview(text.encode("utf-8"))
                while remaining:
                    remaining = remaining[os.write(fd, remaining):]
            finally:
                os.close(fd)
        os.sync()
        created: list[Path] = []
        for (path, _), tmp in zip(files, temporary):
            try:
                os.link(tmp, path)
            except FileExistsError:
                return created, Path(path)
            created.append(path)
        return created, None
    finally:
        for tmp in temporary:
            _unlink_quietly(tmp)


def _unlink_quietly(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass

