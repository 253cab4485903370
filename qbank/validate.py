"""Bank rules that JSON Schema cannot express.

Each function takes parsed model objects and returns every problem found,
located by file and JSON path; nothing stops at the first one.
"""

from __future__ import annotations

from pathlib import Path

from qbank.errors import Problem
from qbank.markup import normalize
from qbank.model import Question, Syllabus

TRUE_FALSE_TEXTS = {"true", "false"}


def syllabus_problems(file: str, syllabus: Syllabus) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for section, _ in syllabus.walk():
        if section.id in seen:
            problems.append(Problem(file, f"section id {section.id!r} appears twice; section ids must be unique", json_path="$.sections"))
        seen.add(section.id)
    return problems


def question_problems(documents: list[tuple[Path, Question]], syllabus: Syllabus | None) -> list[Problem]:
    """Rules over single questions and across the bank.

    ``syllabus`` is None when the syllabus itself is broken: section ids are
    then not checked (that problem is reported once, on syllabus.json).
    """
    problems: list[Problem] = []
    section_ids = {s.id for s, _ in syllabus.walk()} if syllabus else None
    first_file_of_id: dict[str, Path] = {}
    first_file_of_stem: dict[str, tuple[Path, str]] = {}
    for file, question in documents:
        shown = str(file)

        def add(message, json_path="$"):
            problems.append(Problem(shown, message, json_path=json_path))

        if file.stem != question.id:
            add(f"id {question.id!r} differs from the file name {file.name!r}; rename the file to {question.id}.json", "$.id")
        if question.id in first_file_of_id:
            add(f"duplicate id {question.id!r}, also used by {first_file_of_id[question.id]}; ids must be unique in the bank", "$.id")
        else:
            first_file_of_id[question.id] = file

        problems.extend(Problem(shown, message, json_path=where) for where, message in option_problems(question))

        if section_ids is not None:
            for n, section_id in enumerate(question.syllabus):
                if section_id not in section_ids:
                    add(f"unknown syllabus section {section_id!r}; use a section id from syllabus.json", f"$.syllabus[{n}]")

        if question.status != "retired":
            plain_stem = normalize(question.stem)
            earlier = first_file_of_stem.get(plain_stem)
            if earlier is not None:
                add(f"same stem as {earlier[1]} ({earlier[0]}); reword one of them or retire it", "$.stem")
            else:
                first_file_of_stem[plain_stem] = (file, question.id)
    return problems


def option_problems(question: Question) -> list[tuple[str, str]]:
    """Answer-key rules for one question, as (JSON path, message)."""
    problems = []
    correct = sum(1 for option in question.options if option.correct)
    if question.type in ("single", "truefalse") and correct != 1:
        problems.append(("$.options", f"a {question.type} question needs exactly one correct option, found {correct}"))
    if question.type == "multiple" and correct < 1:
        problems.append(("$.options", "a multiple question needs at least one correct option, found none"))
    if question.type == "truefalse":
        texts = sorted(o.text.strip().lower() for o in question.options)
        if set(texts) != TRUE_FALSE_TEXTS or len(texts) != 2:
            problems.append(("$.options", "a truefalse question has exactly two options, with texts \"True\" and \"False\""))
    # Case and spacing don't make two options different.
    keys = [" ".join(option.text.casefold().split()) for option in question.options]
    if len(set(keys)) != len(keys):
        for n, key in enumerate(keys):
            first = keys.index(key)
            if first != n:
                problems.append((f"$.options[{n}].text", f"same text as option {first + 1}; option texts must differ"))
    return problems
