"""Wording shared by the printable papers (pdf, docx), so both say the same.

Not a format: nothing here draws; it only decides what the words are.
"""

from __future__ import annotations

from string import ascii_uppercase

from qbank.model import Paper, PaperItem, Syllabus

LETTERS = ascii_uppercase


def letter(position: int) -> str:
    return LETTERS[position]


def key_text(item: PaperItem) -> str:
    """The key as printed: "B", or "A, C" for a multiple-answer question."""
    return ", ".join(letter(p) for p in item.key_positions)


def total_marks(paper: Paper) -> float:
    return sum(item.question.points for item in paper.items)


def number(value: float) -> str:
    return f"{value:g}"


def cover_facts(paper: Paper) -> list[tuple[str, str]]:
    """(label, value) rows for the cover and the key's heading."""
    blueprint = paper.blueprint
    marks = total_marks(paper)
    facts = [("Variant", paper.variant), ("Questions", str(len(paper.items)))]
    if blueprint.duration_minutes:
        facts.append(("Time allowed", f"{blueprint.duration_minutes} minutes"))
    if blueprint.pass_mark is not None:
        share = f" ({blueprint.pass_mark / marks:.0%})" if marks else ""
        facts.append(("Pass mark", f"{number(blueprint.pass_mark)} of {number(marks)} marks{share}"))
    else:
        facts.append(("Marks", number(marks)))
    return facts


def running_title(paper: Paper, key: bool = False) -> str:
    """The header line: exam title and variant."""
    return f"{paper.blueprint.title} · Variant {paper.variant}" + (" · Answer key" if key else "")


PAGE_OF = "Page {page} of {pages}"
CANDIDATE_FIELDS = ("Name", "Candidate number")
ANSWER_SHEET_TITLE = "Answer sheet"
ANSWER_SHEET_NOTE = (
    "Fill in the bubble of your answer to each question completely. "
    "Where a question asks for more than one answer, fill in that many bubbles."
)
KEY_TITLE = "Answer key"
DEBRIEF_TITLE = "Questions, keys and rationales"


def choose_hint(item: PaperItem) -> str | None:
    """For a multiple-answer question whose stem does not say how many to pick."""
    keys = len(item.key_positions)
    if item.question.type != "multiple" or "choose" in item.question.stem.lower():
        return None
    return f"(Choose {keys}.)" if keys != 1 else "(Choose 1.)"


def section_line(item: PaperItem, syllabus: Syllabus | None) -> str:
    """The question's syllabus sections with titles: "2.4 Service relationships"."""
    parts = []
    for section_id in item.question.syllabus:
        found = syllabus.find(section_id) if syllabus else None
        parts.append(f"{section_id} {found.title}" if found else section_id)
    return "; ".join(parts)


def key_details(item: PaperItem, syllabus: Syllabus | None) -> str:
    """The debrief line under a question: key, syllabus section, id."""
    return f"Key: {key_text(item)} · Syllabus: {section_line(item, syllabus)} · Question id: {item.question.id}"
