"""Exporting questions to an LMS format: choose the questions, check, write.

The CLI's ``qbank export`` is a thin layer over ``bank_questions`` /
``paper_questions`` and ``export_questions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qbank.errors import FormatError, QbankError
from qbank.formats import ExportOptions, get_format
from qbank.model import Question, Syllabus


class ExportError(FormatError):
    """Questions the format cannot express, all of them, each with the reason."""

    def __init__(self, format_name: str, unsupported: list[tuple[str, str]]):
        self.unsupported = unsupported
        lines = "\n".join(f"{question_id}: {reason}" for question_id, reason in unsupported)
        super().__init__(
            f"{len(unsupported)} question(s) cannot be exported to {format_name}; nothing was written. "
            f"Fix them, filter them out, or pass --skip-unsupported to leave them out:\n{lines}"
        )


@dataclass(frozen=True)
class ExportResult:
    data: bytes
    exported: int
    skipped: list[tuple[str, str]] = field(default_factory=list)


def bank_questions(bank, section: str | None = None, tag: str | None = None, status: str | None = None,
                   include_retired: bool = False) -> list[Question]:
    """The bank's questions that pass the filters, in bank order; retired ones only when asked."""
    wanted_sections = None
    if section:
        wanted_sections = bank.syllabus.ids_under(section)
        if not wanted_sections:
            raise QbankError(f"unknown syllabus section {section!r}; see `qbank stats` for the sections")
    keep_retired = include_retired or status == "retired"
    return [
        q for q in bank.questions
        if (keep_retired or q.status != "retired")
        and (wanted_sections is None or wanted_sections.intersection(q.syllabus))
        and (tag is None or tag in q.tags)
        and (status is None or q.status == status)
    ]


def paper_questions(manifest_path, variant: str | None, bank) -> tuple[list[Question], str]:
    """The questions of one built paper variant, in paper order, and a category name for them."""
    from qbank.manifest import ManifestError, read_manifest, variant_questions

    manifest = read_manifest(manifest_path)
    labels = [v["label"] for v in manifest["variants"]]
    if variant is None:
        if len(labels) != 1:
            raise ManifestError(f"{manifest_path}: choose a variant with --variant (one of: {', '.join(labels)})")
        variant = labels[0]
    blueprint = manifest.get("blueprint") if isinstance(manifest.get("blueprint"), dict) else {}
    title = blueprint.get("title") or blueprint.get("name") or "Paper"
    return variant_questions(manifest, variant, bank), f"{title} (variant {variant})"


def export_questions(format_name: str, questions: list[Question], syllabus: Syllabus,
                     options: ExportOptions = ExportOptions(), skip_unsupported: bool = False) -> ExportResult:
    """Write ``questions`` in the format; every question it cannot express is reported.

    Without ``skip_unsupported`` any such question is an ExportError and
    nothing is produced; with it, they are left out and listed in
    ``ExportResult.skipped``.
    """
    module = get_format(format_name)
    if not hasattr(module, "write_questions"):
        from qbank.formats import names_with

        raise FormatError(
            f"{format_name!r} cannot export questions; formats that can: {', '.join(names_with('write_questions'))}"
        )
    unsupported = [(q.id, reason) for q in questions if (reason := module.unsupported_reason(q))]
    if unsupported and not skip_unsupported:
        raise ExportError(format_name, unsupported)
    skipped_ids = {question_id for question_id, _ in unsupported}
    kept = [q for q in questions if q.id not in skipped_ids]
    if not kept:
        raise FormatError("no questions to export; check the filters (--section, --tag, --status)")
    return ExportResult(module.write_questions(kept, syllabus, options), len(kept), unsupported)


# -- blueprints as QTI selection pools --------------------------------------------------
# The papers work adds qbank/blueprint.py (read_blueprint) and qbank/select.py
# (rule_predicate); until both are on main, the two small functions below
# stand in for them, and at merge they are replaced by those.


def read_blueprint(path):
    """The Blueprint in a JSON file, checked against the blueprint schema."""
    import json
    from pathlib import Path

    from qbank.model import Blueprint, BlueprintSection, DrawRule
    from qbank.schema import schema_errors

    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QbankError(f"{path}: no such blueprint") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise QbankError(f"{path}: not a readable blueprint: {error}") from None
    errors = schema_errors("blueprint", document)
    if errors:
        raise QbankError("\n".join(f"{path}: {where}: {message}" for where, message in errors))
    sections = tuple(
        BlueprintSection(count=s["count"], title=s.get("title"), rule=DrawRule(
            syllabus=tuple(s.get("syllabus", ())), tags=tuple(s.get("tags", ())),
            exclude_tags=tuple(s.get("exclude_tags", ())), difficulty=tuple(s.get("difficulty", ())),
            types=tuple(s.get("types", ())), status=tuple(s.get("status", ("approved",)))))
        for s in document["sections"]
    )
    return Blueprint(title=document["title"], sections=sections, exclude=tuple(document.get("exclude", ())))


def _rule_predicate(section, syllabus: Syllabus):
    rule = section.rule
    wanted_sections = frozenset().union(*(syllabus.ids_under(s) or {s} for s in rule.syllabus))
    return lambda q: (
        q.status != "retired" and q.status in rule.status
        and (not rule.types or q.type in rule.types)
        and (not rule.difficulty or q.difficulty in rule.difficulty)
        and (not rule.tags or not set(rule.tags).isdisjoint(q.tags))
        and set(rule.exclude_tags).isdisjoint(q.tags)
        and (not wanted_sections or not wanted_sections.isdisjoint(q.syllabus))
    )


def blueprint_pools(blueprint, questions: list[Question], syllabus: Syllabus) -> tuple:
    """Each blueprint section as a pool the LMS draws ``count`` questions from.

    A question goes into the first section whose rule it matches, so a
    candidate can never be given the same question twice.
    """
    from qbank.formats import Pool

    taken = set(blueprint.exclude)
    pools = []
    for n, section in enumerate(blueprint.sections, 1):
        test = _rule_predicate(section, syllabus)
        ids = tuple(q.id for q in questions if q.id not in taken and test(q))
        title = section.title or f"Section {n}"
        if len(ids) < section.count:
            raise QbankError(f"blueprint section {n} ({title}) draws {section.count} questions "
                             f"but only {len(ids)} match it; relax its rule or write more questions")
        taken.update(ids)
        pools.append(Pool(title, section.count, ids))
    return tuple(pools)
