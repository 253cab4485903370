"""Drawing paper variants from a bank: a pure function of its inputs.

``select_papers(questions, syllabus, blueprint, seed, …)`` returns the same
papers for the same inputs on every machine: randomness comes only from
``random.Random`` seeded with strings such as ``"2026:B"`` (string seeds are
hashed with SHA-512 by ``random``, not with the per-process ``hash()``), and
candidates are taken in id order, so neither file layout nor dictionary
order matters.

By default every variant has the same questions, each section's questions
in a different order and the options shuffled; with ``distinct`` each
variant draws its own questions, preferring those no earlier variant used.
"""

from __future__ import annotations

import random
from collections import Counter
from string import ascii_uppercase
from typing import Iterable, Sequence

from qbank.blueprint import describe_rule
from qbank.errors import BuildError
from qbank.model import Blueprint, BlueprintSection, Paper, PaperItem, Question, Syllabus

ALPHABET = ascii_uppercase


def spreadsheet_label(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, 27 → AB, … (like spreadsheet columns)."""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = ALPHABET[remainder] + label
    return label


def variant_labels(count: int, custom: Sequence[str] = ()) -> list[str]:
    """Labels of ``count`` variants: the blueprint's own first, then A, B, … not already used."""
    if count < 1:
        raise BuildError(f"--variants must be at least 1, not {count}")
    labels = list(custom[:count])
    taken = set(labels)
    index = 0
    while len(labels) < count:
        label = spreadsheet_label(index)
        index += 1
        if label not in taken:
            labels.append(label)
    return labels


def matches(question: Question, section: BlueprintSection, syllabus: Syllabus) -> bool:
    """Whether a blueprint section may draw the question."""
    return rule_predicate(section, syllabus)(question)


def rule_predicate(section: BlueprintSection, syllabus: Syllabus):
    """A test for one section's draw rule, with the syllabus sub-tree worked out once."""
    rule = section.rule
    wanted_sections = frozenset().union(*(syllabus.ids_under(s) or {s} for s in rule.syllabus))
    tags, exclude_tags = frozenset(rule.tags), frozenset(rule.exclude_tags)

    def test(question: Question) -> bool:
        return (
            question.status != "retired"
            and question.status in rule.status
            and (not rule.types or question.type in rule.types)
            and (not rule.difficulty or question.difficulty in rule.difficulty)
            and (not tags or not tags.isdisjoint(question.tags))
            and exclude_tags.isdisjoint(question.tags)
            and (not wanted_sections or not wanted_sections.isdisjoint(question.syllabus))
        )

    return test


def option_order(question: Question, rng: random.Random, shuffle: bool = True) -> tuple[int, ...]:
    """A permutation of the options: fixed options stay put, the others shuffle.

    True/false options keep their authored order: a paper reading
    "False / True" only confuses.
    """
    order = list(range(len(question.options)))
    if not (shuffle and question.shuffle) or question.type == "truefalse":
        return tuple(order)
    movable = [i for i, option in enumerate(question.options) if not option.fixed]
    shuffled = movable[:]
    rng.shuffle(shuffled)
    for position, source in zip(movable, shuffled):
        order[position] = source
    return tuple(order)


def select_papers(
    questions: Iterable[Question],
    syllabus: Syllabus,
    blueprint: Blueprint,
    seed: int,
    variants: int = 1,
    distinct: bool = False,
    exclude: Iterable[str] = (),
) -> list[Paper]:
    """Draw ``variants`` papers; BuildError naming every rule the bank cannot satisfy."""
    labels = variant_labels(variants, blueprint.variant_labels)
    excluded = set(blueprint.exclude).union(exclude)
    pool = sorted((q for q in questions if q.id not in excluded), key=lambda q: q.id)
    tests = [rule_predicate(section, syllabus) for section in blueprint.sections]
    candidates = [[q for q in pool if test(q)] for test in tests]
    # Sections with the fewest candidates draw first, so a broad section
    # does not take the few questions a narrow one depends on.
    draw_order = sorted(range(len(blueprint.sections)), key=lambda i: (len(candidates[i]), i))
    _check_satisfiable(blueprint, candidates, excluded)

    shared = None if distinct else _draw(blueprint, candidates, draw_order, random.Random(f"{seed}:draw"), Counter())
    used: Counter = Counter()
    papers = []
    for label in labels:
        rng = random.Random(f"{seed}:{label}")
        drawn = shared if shared is not None else _draw(blueprint, candidates, draw_order, random.Random(f"{seed}:{label}:draw"), used)
        items = []
        for section, section_questions in zip(blueprint.sections, drawn):
            section_questions = list(section_questions)
            if blueprint.shuffle_questions:
                rng.shuffle(section_questions)
            items += [PaperItem(q, option_order(q, rng, blueprint.shuffle_options), section.title) for q in section_questions]
        papers.append(Paper(blueprint=blueprint, variant=label, items=tuple(items), seed=seed))
    return papers


def _draw(blueprint, candidates, draw_order, rng: random.Random, used: Counter) -> list[list[Question]]:
    """One question set per section; prefers questions ``used`` counts least, and counts the new ones."""
    taken: set[str] = set()
    drawn: list[list[Question]] = [[] for _ in blueprint.sections]
    for index in draw_order:
        section = blueprint.sections[index]
        available = [q for q in candidates[index] if q.id not in taken]
        if len(available) < section.count:
            raise BuildError(
                f"the bank cannot satisfy the blueprint {blueprint.name!r}; no paper was built:\n  "
                f"{_section_name(index, section)}: asks for {section.count} questions matching "
                f"{describe_rule(section)}; {len(candidates[index])} match but only {len(available)} "
                "are left after the other sections drew theirs.\nMake the sections' rules overlap less or add questions."
            )
        ranked = sorted(available, key=lambda q: (used[q.id], rng.random()))
        chosen = sorted(ranked[: section.count], key=lambda q: q.id)
        drawn[index] = chosen
        taken.update(q.id for q in chosen)
    used.update(taken)
    return drawn


def _check_satisfiable(blueprint, candidates, excluded) -> None:
    problems = []
    for index, section in enumerate(blueprint.sections):
        matching = len(candidates[index])
        name = _section_name(index, section)
        if matching < section.count:
            problems.append(
                f"{name}: asks for {section.count} questions matching {describe_rule(section)}, "
                f"but only {matching} match"
            )
    if problems:
        hint = f" ({len(excluded)} question ids excluded)" if excluded else ""
        raise BuildError(
            f"the bank cannot satisfy the blueprint {blueprint.name!r}{hint}; no paper was built:\n  "
            + "\n  ".join(problems)
            + "\nLower the counts, widen the rules, or add (and approve) questions."
        )


def _section_name(index: int, section: BlueprintSection) -> str:
    return f"section {index + 1}" + (f" ({section.title})" if section.title else "")
