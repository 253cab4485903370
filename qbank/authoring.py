"""Adding, editing and changing the status of questions in a bank.

Ids are ``<id_prefix>-<section id with dots as dashes>-<NNN>`` (three
digits, more when needed), e.g. ``itil4f-2-4-021``. An id is never reused:
every id ever issued is appended to the bank's ledger file ``.qbank-ids``
(one id a line, append-only, kept in git with the bank), and the next number
comes after the highest one in the ledger or on disk. New files are created
exclusively (``bank.create_exclusive``), so two authors adding at the same
moment get different ids and neither file is overwritten.

Every write is preceded by a check of the candidate against the schema and
the bank rules (including a duplicate stem elsewhere in the bank); nothing
is written when there is a problem.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
from pathlib import Path

from qbank import schema, validate
from qbank.bank import (
    Bank,
    create_exclusive,
    dumps,
    question_from_dict,
    question_to_dict,
    read_json,
    write_atomic,
)
from qbank.clock import source_date_epoch
from qbank.errors import BankError, InvalidBankError, Problem

LEDGER_FILE = ".qbank-ids"
SCHEMA_FILE = Path("schemas") / "question.schema.json"
# Fields that do not change what a candidate reads or how it is marked:
# changing only these is not a new revision.
BOOKKEEPING_FIELDS = ("$schema", "revision", "updated", "created", "authors", "status")


class AuthoringError(BankError):
    """A question cannot be added or changed as asked."""


# -- clock and identity ---------------------------------------------------------


def today() -> str:
    """Today's date (UTC) as YYYY-MM-DD, or SOURCE_DATE_EPOCH's date when set."""
    epoch = source_date_epoch()
    if epoch is not None:
        moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    else:
        moment = datetime.datetime.now(datetime.timezone.utc)
    return moment.date().isoformat()


def git_user_name(cwd: Path | None = None) -> str | None:
    """``git config user.name``, or None without git or without a name."""
    try:
        result = subprocess.run(
            ["git", "config", "user.name"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = result.stdout.strip()
    return name if result.returncode == 0 and name else None


def schema_reference(directory: Path) -> str:
    """How a new file in ``directory`` names its schema: a relative path if the
    repository's schemas/ folder is found above it, else the schema's $id URL."""
    directory = Path(directory).resolve()
    for parent in (directory, *directory.parents):
        candidate = parent / SCHEMA_FILE
        if candidate.is_file():
            return Path(os.path.relpath(candidate, directory)).as_posix()
    return schema.load_schema("question")["$id"]


# -- ids --------------------------------------------------------------------------


def id_base(bank: Bank, section_id: str) -> str:
    return f"{bank.syllabus.prefix}-{section_id.replace('.', '-')}"


def format_id(base: str, number: int) -> str:
    return f"{base}-{number:03d}"


def issued_ids(bank_root: Path) -> list[str]:
    ledger = Path(bank_root) / LEDGER_FILE
    try:
        text = ledger.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def record_issued(bank_root: Path, question_id: str) -> None:
    """Append an id to the ledger. O_APPEND writes of one short line land whole,
    even from several processes at once."""
    record_all_issued(bank_root, [question_id])


def record_all_issued(bank_root: Path, question_ids: list[str]) -> None:
    """Append ids to the ledger in one O_APPEND write (an import issues thousands at once)."""
    if not question_ids:
        return
    ledger = Path(bank_root) / LEDGER_FILE
    fd = os.open(ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(f"{question_id}\n" for question_id in question_ids).encode("utf-8"))
    finally:
        os.close(fd)


def next_number(bank: Bank, base: str) -> int:
    """One more than the highest number ever issued under ``base``, on disk or in the ledger."""
    pattern = re.compile(rf"^{re.escape(base)}-(\d+)$")
    known = list(issued_ids(bank.root))
    known += [path.stem for path in bank.root.rglob(f"{base}-*.json")]
    numbers = [int(m.group(1)) for m in map(pattern.match, known) if m]
    return max(numbers, default=0) + 1


# -- building and checking candidates -----------------------------------------------


def new_question(doc: dict, *, section: str | None = None, authors=(), date: str | None = None) -> dict:
    """A draft question document from an author's fields (no id yet).

    Sets status draft, revision 1, created/updated today, and the authors
    unless the document names its own.
    """
    if not isinstance(doc, dict):
        raise AuthoringError("a question must be a JSON object")
    if "id" in doc:
        raise AuthoringError(f"leave out \"id\" ({doc['id']!r}): qbank assigns the next free id in the section")
    doc = {k: v for k, v in doc.items() if k != "$schema"}
    if section and not doc.get("syllabus"):
        doc["syllabus"] = [section]
    if not doc.get("syllabus"):
        raise AuthoringError("no syllabus section: give --section (e.g. --section 2.4) or \"syllabus\": [\"2.4\"]")
    date = date or today()
    doc.setdefault("status", "draft")
    doc["revision"] = 1
    doc["created"] = date
    doc["updated"] = date
    if authors and not doc.get("authors"):
        doc["authors"] = list(authors)
    return doc


def candidate_problems(bank: Bank, entries: list[tuple[Path, dict]]) -> list[Problem]:
    """Schema and bank-rule problems of candidate documents, as if each were
    saved at its path next to the rest of the bank (which is not re-checked)."""
    problems: list[Problem] = []
    documents = []
    candidate_files = {str(path) for path, _ in entries}
    for path, doc in entries:
        errors = schema.schema_errors("question", doc)
        problems += [Problem(str(path), message, json_path=where) for where, message in errors]
        if not errors:
            documents.append((path, question_from_dict(doc)))
    replaced = {question_id for question_id, path in bank.paths.items() if str(path) in candidate_files}
    others = [(bank.paths[q.id], q) for q in bank.questions if q.id not in replaced]
    problems += [
        p for p in validate.question_problems(others + documents, bank.syllabus) if p.file in candidate_files
    ]
    return problems


def plan_questions(bank: Bank, docs: list[dict]) -> tuple[list[tuple[Path, dict]], list[Problem]]:
    """Where each new question document would go, with its provisional id,
    and every problem it would have there (also against each other)."""
    planned: list[tuple[Path, dict]] = []
    provisional: dict[str, int] = {}
    for doc in docs:
        section = doc["syllabus"][0] if doc.get("syllabus") else None
        if not isinstance(section, str) or bank.syllabus.find(section) is None:
            raise AuthoringError(f"unknown syllabus section {section!r}; use a section id from {bank.root}/syllabus.json")
        base = id_base(bank, section)
        number = provisional.get(base) or next_number(bank, base)
        provisional[base] = number + 1
        question_id = format_id(base, number)
        directory = bank.section_dir(section)
        planned.append((directory / f"{question_id}.json", {"$schema": schema_reference(directory), "id": question_id, **doc}))
    return planned, candidate_problems(bank, planned)


def add_questions(bank: Bank, docs: list[dict]) -> list[tuple[str, Path]]:
    """Give each new question document the next free id in its section and
    save it; all are checked first, and nothing is written if any has a problem.

    Returns (id, path) of every question written.
    """
    planned, problems = plan_questions(bank, docs)
    if problems:
        raise InvalidBankError(problems)
    return [_create(bank, path.parent, doc) for path, doc in planned]


def _create(bank: Bank, directory: Path, doc: dict) -> tuple[str, Path]:
    section = doc["syllabus"][0]
    base = id_base(bank, section)
    number = next_number(bank, base)
    while True:
        question_id = format_id(base, number)
        path = directory / f"{question_id}.json"
        # Recorded before the file exists: if the process dies in between,
        # the number is skipped rather than handed out twice.
        record_issued(bank.root, question_id)
        document = {**doc, "id": question_id}
        if create_exclusive(path, dumps(question_to_dict(question_from_dict(document), document.get("$schema")))):
            return question_id, path
        number += 1  # another author took this id a moment ago


# -- editing and status --------------------------------------------------------------


def question_path(bank: Bank, question_id: str) -> Path:
    path = bank.paths.get(question_id)
    if path is None:
        raise AuthoringError(f"no question {question_id!r} in {bank.root}; `qbank list` shows the ids")
    return path


def content_of(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in BOOKKEEPING_FIELDS}


def parse_edited(text: str, shown: str) -> tuple[dict | None, list[Problem]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [Problem(shown, f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno)]
    if not isinstance(doc, dict):
        return None, [Problem(shown, "a question must be a JSON object")]
    return doc, []


def revise(bank: Bank, question_id: str, text: str, *, date: str | None = None) -> tuple[str | None, list[Problem]]:
    """Check an edited version of a question's file.

    Returns (text to save or None when nothing changed, problems). The
    revision is bumped and ``updated`` set when the content changed.
    """
    path = question_path(bank, question_id)
    original, problems = read_json(path)
    edited, problems = parse_edited(text, str(path))
    if problems:
        return None, problems
    if edited.get("id") != question_id:
        return None, [Problem(str(path), f"the id cannot change (was {question_id!r}); use `qbank add` for a new question", json_path="$.id")]
    if edited == original:
        return None, []
    if isinstance(original, dict) and content_of(edited) != content_of(original):
        revision = original.get("revision", 1)
        edited["revision"] = (revision if isinstance(revision, int) else 1) + 1
        edited["updated"] = date or today()
    problems = candidate_problems(bank, [(path, edited)])
    if problems:
        return None, problems
    return dumps(question_to_dict(question_from_dict(edited), edited.get("$schema"))), []


def save_revision(bank: Bank, question_id: str, text: str) -> Path:
    path = question_path(bank, question_id)
    write_atomic(path, text)
    return path


def set_status(bank: Bank, question_id: str, status: str) -> tuple[Path, bool]:
    """Change a question's status after checking it is valid with that status.

    Returns (path, whether the file changed).
    """
    path = question_path(bank, question_id)
    doc, problems = read_json(path)
    if problems:
        raise InvalidBankError(problems)
    if doc.get("status", "draft") == status:
        return path, False
    doc["status"] = status
    problems = candidate_problems(bank, [(path, doc)])
    if problems:
        raise InvalidBankError(problems)
    write_atomic(path, dumps(question_to_dict(question_from_dict(doc), doc.get("$schema"))))
    return path, True
