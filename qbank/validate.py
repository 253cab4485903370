"""Bank rules that JSON Schema cannot express.

Each function takes parsed model objects and returns every problem found,
located by file and JSON path; nothing stops at the first one.
"""

from __future__ import annotations

import os
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
    known = section_ids(syllabus)
    problems: list[Problem] = []
    for file, question in documents:
        problems.extend(single_question_problems(str(file), question, known))
    problems.extend(bank_wide_problems(documents))
    return problems


def section_ids(syllabus: Syllabus | None) -> frozenset[str] | None:
    return frozenset(s.id for s, _ in syllabus.walk()) if syllabus else None


def single_question_problems(file: str, question: Question, known_sections: frozenset[str] | None) -> list[Problem]:
    """The rules that need nothing but the question, its file name and the
    syllabus's section ids (None: not checked)."""
    problems = []
    name = os.path.basename(file)
    if os.path.splitext(name)[0] != question.id:
        problems.append(Problem(file, f"id {question.id!r} differs from the file name {name!r}; "
                                      f"rename the file to {question.id}.json", json_path="$.id"))
    problems.extend(Problem(file, message, json_path=where) for where, message in option_problems(question))
    if known_sections is not None:
        for n, section_id in enumerate(question.syllabus):
            if section_id not in known_sections:
                problems.append(Problem(file, f"unknown syllabus section {section_id!r}; use a section id from "
                                              "syllabus.json", json_path=f"$.syllabus[{n}]"))
    return problems


def comparable_stem(question: Question) -> str:
    """The stem as bank_wide_problems compares stems: its words, lowercased."""
    return normalize(question.stem)


def bank_wide_problems(documents, comparable_stems: list[str] | None = None) -> list[Problem]:
    """Ids and stems that must be unique across the bank, for (file, question)
    pairs; ``comparable_stems``, if given, holds comparable_stem of each
    question (a large bank's reader makes them in both its processes)."""
    if comparable_stems is None:
        comparable_stems = [comparable_stem(question) for _, question in documents]
    problems: list[Problem] = []
    first_file_of_id: dict[str, object] = {}
    first_file_of_stem: dict[str, tuple[object, str]] = {}
    for (file, question), plain_stem in zip(documents, comparable_stems):
        if question.id in first_file_of_id:
            problems.append(Problem(str(file), f"duplicate id {question.id!r}, also used by "
                                               f"{first_file_of_id[question.id]}; ids must be unique in the bank",
                                    json_path="$.id"))
        else:
            first_file_of_id[question.id] = file
        if question.status != "retired":
            earlier = first_file_of_stem.get(plain_stem)
            if earlier is None:
                first_file_of_stem[plain_stem] = (file, question.id)
            else:
                problems.append(Problem(str(file), f"same stem as {earlier[1]} ({earlier[0]}); reword one of them "
                                                   "or retire it", json_path="$.stem"))
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
