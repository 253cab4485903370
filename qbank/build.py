"""The build pipeline: bank + blueprint + seed → papers → files → out/.

    select (pure) → render every variant (in parallel, in memory) → write all files

Nothing is written until every file has been rendered, and each file is
written atomically, so a failed build leaves ``out/`` as it was. Variants
are independent, so they render in worker processes; the result is the
same bytes as a serial build.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from qbank import clock
from qbank.errors import BuildError
from qbank.formats import DEFAULT_EPOCH, PaperOptions, get_format
from qbank.model import Paper

PAPER_FORMATS = ("pdf", "docx")
MANIFEST_FILE = "manifest.json"


@dataclass
class Build:
    papers: list[Paper]
    manifest: dict
    files: dict[str, bytes] = field(default_factory=dict)


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH if set (reproducible-builds.org), else a fixed date."""
    epoch = clock.source_date_epoch()
    return DEFAULT_EPOCH if epoch is None else epoch


def find_bank_for(bank_path: Path | str | None, bank_id: str | None) -> Path:
    """The bank a blueprint or manifest draws from: the only one found, or the one with its id."""
    from qbank.bank import SYLLABUS_FILE, default_root, find_banks

    banks = find_banks(bank_path if bank_path is not None else default_root())
    if len(banks) == 1:
        return banks[0]
    ids = {}
    for root in banks:
        try:
            ids[root] = json.loads((root / SYLLABUS_FILE).read_text(encoding="utf-8")).get("id")
        except (OSError, ValueError):
            continue
    matching = [root for root, found in ids.items() if found == bank_id]
    if len(matching) == 1:
        return matching[0]
    names = ", ".join(f"{root} ({ids.get(root)})" for root in banks)
    raise BuildError(f"several banks found ({names}) and none is {bank_id!r}; choose one with --bank")


def check_bank_id(bank, wanted: str | None, what: str) -> None:
    if wanted and bank.id != wanted:
        raise BuildError(f"{what} draws from bank {wanted!r}, but {bank.root} is bank {bank.id!r}; pass the right one with --bank")


def file_names(paper: Paper, formats: Sequence[str]) -> list[tuple[str, str, str]]:
    """(file name, format, "paper" or "key") for one variant."""
    stem = f"{paper.blueprint.name}-{paper.variant}"
    names = []
    for fmt in formats:
        names += [(f"{stem}.{fmt}", fmt, "paper"), (f"{stem}-key.{fmt}", fmt, "key")]
    return names


def render_variant(paper: Paper, formats: Sequence[str], options: PaperOptions) -> dict[str, bytes]:
    out = {}
    for fmt in formats:
        out.update(_render_format((paper, fmt, options)))
    return out


def _render_format(job) -> dict[str, bytes]:
    """One variant's paper and key in one format: the unit of parallel work."""
    paper, fmt, options = job
    writer = get_format(fmt)
    out = {}
    for name, _, kind in file_names(paper, (fmt,)):
        out[name] = writer.write_paper(paper, options) if kind == "paper" else writer.write_key(paper, options)
    return out


def render_all(
    papers: Sequence[Paper],
    formats: Sequence[str],
    options: PaperOptions,
    jobs: int | None = None,
    on_variant: Callable[[Paper], None] | None = None,
) -> dict[str, bytes]:
    """Every file of every variant, in variant order; ``on_variant`` after each one.

    The work is split per variant and format, so even a single variant
    uses two cores (its PDFs in one process, its DOCX files in another).
    """
    for fmt in formats:
        if not hasattr(get_format(fmt), "write_paper"):
            raise BuildError(f"format {fmt!r} cannot print papers; use one of: {', '.join(PAPER_FORMATS)}")
    tasks = [(paper, fmt, options) for paper in papers for fmt in formats]
    jobs = min(jobs or os.cpu_count() or 1, len(tasks))
    files: dict[str, bytes] = {}
    if jobs <= 1:
        results: Iterable = map(_render_format, tasks)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_fork_context())
        results = pool.map(_render_format, tasks)
    try:
        for index, ((paper, _, _), rendered) in enumerate(zip(tasks, results)):
            files.update(rendered)
            if on_variant and (index + 1) % len(formats) == 0:
                on_variant(paper)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return _in_name_order(files, papers, formats)


def _in_name_order(files: dict[str, bytes], papers, formats) -> dict[str, bytes]:
    """Files in the order a serial build lists them (paper, key; format by format)."""
    return {name: files[name] for paper in papers for name, _, _ in file_names(paper, formats)}


def _fork_context():
    """fork where available: workers start in milliseconds with qbank and the fonts already loaded."""
    import multiprocessing

    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def write_build(out_dir: Path | str, build: Build) -> list[Path]:
    """Write every file, then the manifest; each atomically. Returns the paths written."""
    from qbank.bank import dumps, write_atomic

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(f"{out_dir}: cannot create the output folder: {error.strerror or error}") from None
    written = []
    for name, data in build.files.items():
        write_atomic(out_dir / name, data)
        written.append(out_dir / name)
    write_atomic(out_dir / MANIFEST_FILE, dumps(build.manifest))
    written.append(out_dir / MANIFEST_FILE)
    return written


def plan_build(bank, blueprint, blueprint_document: dict, seed: int, variants: int = 1, distinct: bool = False,
               exclude: Iterable[str] = ()) -> Build:
    """Select the papers and describe them in a manifest (no rendering yet)."""
    from qbank.manifest import build_manifest
    from qbank.select import select_papers

    check_bank_id(bank, blueprint.bank, f"blueprint {blueprint.name!r}")
    papers = select_papers(bank.questions, bank.syllabus, blueprint, seed, variants, distinct, exclude)
    return Build(papers=papers, manifest=build_manifest(bank.id, blueprint_document, papers, seed, distinct))


def plan_from_manifest(bank, manifest: dict, source: str) -> Build:
    from qbank.manifest import papers_from_manifest

    check_bank_id(bank, (manifest.get("bank") or {}).get("id"), source)
    return Build(papers=papers_from_manifest(manifest, bank, source), manifest=manifest)
