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
