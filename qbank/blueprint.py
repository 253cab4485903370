"""Reading exam blueprints (templates/*.json) into model.Blueprint.

A blueprint is checked against schemas/blueprint.schema.json first; every
schema error is reported at once with its JSON path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from qbank import schema
from qbank.errors import BuildError
from qbank.model import Blueprint, BlueprintSection, DrawRule


class BlueprintError(BuildError):
    """A blueprint file cannot be read or does not match the schema."""


def read_blueprint(path: Path | str) -> tuple[Blueprint, dict]:
    """The blueprint in ``path`` and the document as read (for the manifest)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BlueprintError(f"{path}: no such blueprint; see templates/ for examples") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BlueprintError(f"{path}: cannot read the blueprint: {error}") from None
    except json.JSONDecodeError as error:
        raise BlueprintError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    return blueprint_from_dict(document, default_name=path.stem, source=str(path)), document


def blueprint_from_dict(document, default_name: str = "exam", source: str = "blueprint") -> Blueprint:
    """Validate a blueprint document and build the model; errors name ``source``."""
    version = document.get("schema_version") if isinstance(document, dict) else None
    if isinstance(version, int) and version > schema.BLUEPRINT_SCHEMA_VERSION:
        raise BlueprintError(
            f"{source}: $.schema_version: blueprint format {version} is newer than this qbank reads "
            f"({schema.BLUEPRINT_SCHEMA_VERSION}); upgrade qbank"
        )
    errors = schema.schema_errors("blueprint", document)
    if errors:
        raise BlueprintError("\n".join(f"{source}: {where}: {message}" for where, message in errors))
    sections = tuple(
        BlueprintSection(
            count=s["count"],
            title=s.get("title"),
            rule=DrawRule(
                syllabus=tuple(s.get("syllabus", ())),
                tags=tuple(s.get("tags", ())),
                exclude_tags=tuple(s.get("exclude_tags", ())),
                difficulty=tuple(s.get("difficulty", ())),
                types=tuple(s.get("types", ())),
                status=tuple(s.get("status", ("approved",))),
            ),
        )
        for s in document["sections"]
    )
    return Blueprint(
        title=document["title"],
        sections=sections,
        name=document.get("name") or _slug(default_name),
        bank=document.get("bank"),
        instructions=document.get("instructions"),
        duration_minutes=document.get("duration_minutes"),
        pass_mark=document.get("pass_mark"),
        exclude=tuple(document.get("exclude", ())),
        shuffle_questions=document.get("shuffle_questions", True),
        shuffle_options=document.get("shuffle_options", True),
        variant_labels=tuple(document.get("variant_labels", ())),
        answer_sheet=document.get("answer_sheet", False),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.") or "exam"


def describe_rule(section: BlueprintSection) -> str:
    """A section's draw rule in words, for error messages."""
    rule = section.rule
    parts = []
    for label, values in (("syllabus", rule.syllabus), ("tags", rule.tags), ("not tags", rule.exclude_tags),
                          ("difficulty", rule.difficulty), ("types", rule.types), ("status", rule.status)):
        if values:
            parts.append(f"{label} {'/'.join(values)}")
    return ", ".join(parts) or "any question"
