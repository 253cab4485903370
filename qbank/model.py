"""The one model every reader produces and every writer consumes.

Plain dataclasses, no I/O, and no imports from the rest of qbank: formats
meet only here, never talk to each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

CHOICE_TYPES = ("single", "multiple", "truefalse")
QUESTION_TYPES = CHOICE_TYPES
DIFFICULTIES = ("easy", "medium", "hard")
BLOOM_LEVELS = ("remember", "understand", "apply", "analyze", "evaluate", "create")
STATUSES = ("draft", "review", "approved", "retired")


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    rationale: str | None = None
    fixed: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    stem: str
    options: tuple[Option, ...] = ()
    shuffle: bool = True
    explanation: str | None = None
    syllabus: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    difficulty: str | None = None
    bloom: str | None = None
    points: float = 1
    status: str = "draft"
    source: str | None = None
    authors: tuple[str, ...] = ()
    created: str | None = None
    updated: str | None = None
    revision: int = 1

    @property
    def correct_indexes(self) -> tuple[int, ...]:
        return tuple(i for i, option in enumerate(self.options) if option.correct)

    @property
    def section(self) -> str | None:
        """The home syllabus section: the first one listed."""
        return self.syllabus[0] if self.syllabus else None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    weight: float | None = None
    outcomes: tuple[str, ...] = ()
    children: tuple["Section", ...] = ()


@dataclass(frozen=True)
class Syllabus:
    id: str
    title: str
    sections: tuple[Section, ...]
    schema_version: int = 1
    id_prefix: str | None = None
    description: str | None = None

    def walk(self) -> Iterator[tuple[Section, tuple[Section, ...]]]:
        """Every section in syllabus order, with its ancestors (outermost first)."""

        def visit(sections, ancestors):
            for section in sections:
                yield section, ancestors
                yield from visit(section.children, ancestors + (section,))

        yield from visit(self.sections, ())

    def find(self, section_id: str) -> Section | None:
        return next((s for s, _ in self.walk() if s.id == section_id), None)

    def trail(self, section_id: str) -> tuple[Section, ...]:
        """The section and its ancestors, outermost first; () if unknown."""
        for section, ancestors in self.walk():
            if section.id == section_id:
                return ancestors + (section,)
        return ()

    def ids_under(self, section_id: str) -> frozenset[str]:
        """The section's id and those of all its descendants."""
        found = self.find(section_id)
        if found is None:
            return frozenset()
        ids = {found.id}
        stack = list(found.children)
        while stack:
            section = stack.pop()
            ids.add(section.id)
            stack.extend(section.children)
        return frozenset(ids)

    @property
    def prefix(self) -> str:
        return self.id_prefix or self.id


@dataclass(frozen=True)
class DrawRule:
    """Which questions a blueprint section may draw; empty means any."""

    syllabus: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    difficulty: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    status: tuple[str, ...] = ("approved",)


@dataclass(frozen=True)
class BlueprintSection:
    count: int
    rule: DrawRule = field(default_factory=DrawRule)
    title: str | None = None


@dataclass(frozen=True)
class Blueprint:
    title: str
    sections: tuple[BlueprintSection, ...]
    name: str = "exam"
    bank: str | None = None
    instructions: str | None = None
    duration_minutes: int | None = None
    pass_mark: float | None = None
    exclude: tuple[str, ...] = ()
    shuffle_questions: bool = True
    shuffle_options: bool = True
    variant_labels: tuple[str, ...] = ()
    answer_sheet: bool = False

    @property
    def question_count(self) -> int:
        return sum(section.count for section in self.sections)


@dataclass(frozen=True)
class PaperItem:
    """A question as it appears in one paper variant.

    ``order`` is the permutation of the question's options: position i of
    the paper shows ``question.options[order[i]]``.
    """

    question: Question
    order: tuple[int, ...]
    section_title: str | None = None

    @property
    def options(self) -> tuple[Option, ...]:
        return tuple(self.question.options[i] for i in self.order)

    @property
    def key_positions(self) -> tuple[int, ...]:
        return tuple(i for i, option in enumerate(self.options) if option.correct)


@dataclass(frozen=True)
class Paper:
    blueprint: Blueprint
    variant: str
    items: tuple[PaperItem, ...]
    seed: int | None = None
