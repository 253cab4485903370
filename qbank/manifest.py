"""The build manifest: what exactly went into each paper variant.

``qbank build`` writes it next to the papers; ``qbank build --from-manifest``
rebuilds the same papers from it and ``qbank export --paper`` exports one
variant to an LMS. Layout (version 1)::

    {
      "qbank_manifest": 1,
      "bank": {"id": "itil4-foundation", "content_hash": "sha256:…"},
      "blueprint": {…the blueprint document as read…},
      "seed": 2026,
      "distinct": false,
      "variants": [
        {"label": "A",
         "items": [{"id": "itil4f-2-4-001", "order": [2, 0, 1, 3], "key": ["C"]}, …]}
      ]
    }

``order`` is the option permutation (paper position i shows authored option
order[i]); ``key`` the letters of the correct options in the paper.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from qbank.errors import QbankError
from qbank.model import Question

MANIFEST_VERSION = 1


class ManifestError(QbankError):
    """A manifest cannot be read or does not match the bank."""


def content_hash(questions_as_dicts: list[dict]) -> str:
    """A stable hash of question contents (canonical JSON, sorted by id)."""
    digest = hashlib.sha256()
    for doc in sorted(questions_as_dicts, key=lambda d: d["id"]):
        digest.update(json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


def read_manifest(path: Path | str) -> dict:
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such manifest; `qbank build` writes manifest.json next to the papers") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path}: not a readable manifest: {error}") from None
    version = document.get("qbank_manifest") if isinstance(document, dict) else None
    if version != MANIFEST_VERSION:
        raise ManifestError(
            f"{path}: manifest format {version!r} is not one this qbank reads ({MANIFEST_VERSION}); "
            "rebuild the papers with this qbank"
        )
    variants = document.get("variants")
    if not isinstance(variants, list) or not all(
        isinstance(v, dict) and isinstance(v.get("label"), str) and isinstance(v.get("items"), list) for v in variants
    ):
        raise ManifestError(f"{path}: $.variants must be a list of {{label, items}} objects")
    return document


def variant_questions(manifest: dict, label: str, bank) -> list[Question]:
    """The questions of one variant, in paper order, options in paper order.

    The returned questions have ``shuffle`` off, so an LMS shows exactly
    what the paper showed.
    """
    labels = [v["label"] for v in manifest["variants"]]
    try:
        variant = manifest["variants"][labels.index(label)]
    except ValueError:
        raise ManifestError(f"no variant {label!r} in the manifest; it has: {', '.join(labels)}") from None
    questions = []
    for n, item in enumerate(variant["items"]):
        question = bank.get(item.get("id"))
        if question is None:
            raise ManifestError(f"$.variants[{labels.index(label)}].items[{n}]: question {item.get('id')!r} is not in the bank")
        order = item.get("order") or list(range(len(question.options)))
        if sorted(order) != list(range(len(question.options))):
            raise ManifestError(
                f"question {question.id}: the manifest's option order {order} does not fit its "
                f"{len(question.options)} options; the bank changed since the build"
            )
        questions.append(replace(question, options=tuple(question.options[i] for i in order), shuffle=False))
    return questions


# -- writing and replaying -------------------------------------------------------


def key_letters(positions) -> list[str]:
    from qbank.select import spreadsheet_label

    return [spreadsheet_label(p) for p in positions]


def used_questions_hash(papers) -> str:
    """content_hash of every question the papers use (each once)."""
    from qbank.bank import question_to_dict

    used = {item.question.id: item.question for paper in papers for item in paper.items}
    return content_hash([question_to_dict(q) for q in used.values()])


def build_manifest(bank_id: str, blueprint_document: dict, papers, seed: int, distinct: bool) -> dict:
    """The manifest of a build, in the version-1 layout above.

    ``name`` (the output base name, which may come from the blueprint's file
    name) is an addition to that layout, so a rebuild names files the same.
    """
    return {
        "qbank_manifest": MANIFEST_VERSION,
        "bank": {"id": bank_id, "content_hash": used_questions_hash(papers)},
        "blueprint": blueprint_document,
        "name": papers[0].blueprint.name if papers else None,
        "seed": seed,
        "distinct": distinct,
        "variants": [
            {
                "label": paper.variant,
                "items": [
                    {"id": item.question.id, "order": list(item.order), "key": key_letters(item.key_positions)}
                    for item in paper.items
                ],
            }
            for paper in papers
        ],
    }


def used_ids(manifest: dict) -> set[str]:
    """Every question id any variant of the manifest used (for --exclude-used)."""
    return {item.get("id") for variant in manifest["variants"] for item in variant["items"]}


def papers_from_manifest(manifest: dict, bank, source: str = "manifest"):
    """The papers a manifest describes, rebuilt from ``bank``; ManifestError if the bank changed."""
    from qbank.blueprint import blueprint_from_dict
    from qbank.model import Paper, PaperItem

    blueprint = blueprint_from_dict(manifest.get("blueprint"), default_name=manifest.get("name") or "exam", source=f"{source}: $.blueprint")
    section_titles = [section.title for section in blueprint.sections for _ in range(section.count)]
    papers = []
    for index, variant in enumerate(manifest["variants"]):
        questions = variant_questions(manifest, variant["label"], bank)
        if len(questions) != len(section_titles):
            raise ManifestError(
                f"{source}: $.variants[{index}]: {len(questions)} questions, but the blueprint asks for {len(section_titles)}"
            )
        items = tuple(
            PaperItem(bank.get(item["id"]), tuple(item.get("order") or range(len(question.options))), title)
            for item, question, title in zip(variant["items"], questions, section_titles)
        )
        papers.append(Paper(blueprint=blueprint, variant=variant["label"], items=items, seed=manifest.get("seed")))
    expected = (manifest.get("bank") or {}).get("content_hash")
    if expected and used_questions_hash(papers) != expected:
        raise ManifestError(
            f"{source}: the questions it uses changed since the build (content hash differs), so the papers "
            "would not be the same; build new papers, or check out the bank as it was"
        )
    return papers
