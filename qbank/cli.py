"""The qbank command line: parse, call the library, print.

Every command turns the library's QbankError into a click.ClickException,
so a user sees a message to act on, never a traceback.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click

from qbank import __version__
from qbank.errors import InvalidBankError, QbankError

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def friendly_errors(command):
    """Report library errors as ClickExceptions (exit 1, no traceback)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except QbankError as error:
            raise click.ClickException(str(error)) from None

    return wrapper


bank_option = click.option(
    "--bank",
    "bank_path",
    type=click.Path(path_type=Path),
    envvar="QBANK_BANK",
    default=None,
    help="Bank folder (with syllabus.json) or a folder of banks. Default: ./questions, or $QBANK_BANK.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="qbank")
def cli():
    """Exam question banks as validated JSON: papers, keys and LMS exports.

    \b
    Start with:
      qbank validate                 check every question in ./questions
      qbank list --section 2.4       list questions of one syllabus section
      qbank show itil4f-2-4-001      one question with its key and rationales
      qbank stats                    counts and answer-key balance
      qbank build templates/itil4-foundation-mock.json --seed 2026 --variants 3
                                     papers, keys and answer sheets (PDF, DOCX)
    """


def main():
    cli(prog_name="qbank")


# -- validate ------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints the problems as a JSON list for CI and editors.")
@bank_option
@friendly_errors
def validate(paths, output_format, bank_path):
    """Check banks against the schemas and the bank rules.

    PATHS may be banks, folders of banks, or question files (their whole
    bank is checked). Every problem is printed as
    FILE:LINE:COL: message or FILE: JSON.PATH: message; the exit code is
    1 if there is any.

    \b
    Example:
      qbank validate questions/itil4-foundation
    """
    from qbank.bank import default_root, find_banks, read_bank

    targets = list(paths) or [bank_path or default_root()]
    banks: list[Path] = []
    for target in targets:
        for found in find_banks(target):
            if found not in banks:
                banks.append(found)
    problems, counted = [], 0
    for root in banks:
        bank = read_bank(root)
        problems += bank.problems
        counted += len(bank.questions)
    if output_format == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {', '.join(map(str, banks))}", err=True)
        raise SystemExit(1)
    if output_format == "text":
        click.echo(f"ok: {counted} questions in {', '.join(map(str, banks))} are valid")


# -- list, show, stats ---------------------------------------------------------------


def _load(bank_path):
    from qbank.bank import load_bank

    return load_bank(bank_path)


@cli.command(name="list")
@click.option("--section", help="Only this syllabus section and its subsections, e.g. 2.4.")
@click.option("--type", "qtype", type=click.Choice(["single", "multiple", "truefalse"]), help="Only this question type.")
@click.option("--status", type=click.Choice(["draft", "review", "approved", "retired"]), help="Only this status.")
@click.option("--tag", help="Only questions with this tag.")
@bank_option
@friendly_errors
def list_(section, qtype, status, tag, bank_path):
    """List questions, one per line: id, type, status, section, stem.

    \b
    Example:
      qbank list --section 2.4 --status approved
    """
    from qbank.markup import to_plain

    bank = _load(bank_path)
    wanted_sections = None
    if section:
        wanted_sections = bank.syllabus.ids_under(section)
        if not wanted_sections:
            raise click.ClickException(f"unknown syllabus section {section!r}; see `qbank stats` for the sections")
    shown = 0
    for q in bank.questions:
        if (wanted_sections and not wanted_sections.intersection(q.syllabus)) or (qtype and q.type != qtype) \
                or (status and q.status != status) or (tag and tag not in q.tags):
            continue
        stem = " ".join(to_plain(q.stem).split())
        click.echo(f"{q.id:<18} {q.type:<9} {q.status:<8} {q.section:<6} {stem[:70]}")
        shown += 1
    click.echo(f"{shown} question(s)", err=True)


@cli.command()
@click.argument("question_id")
@bank_option
@friendly_errors
def show(question_id, bank_path):
    """Show one question as a person reads it, with the key and every rationale.

    \b
    Example:
      qbank show itil4f-2-4-001
    """
    bank = _load(bank_path)
    question = bank.get(question_id)
    if question is None:
        raise click.ClickException(f"no question {question_id!r} in {bank.root}; `qbank list` shows the ids")
    click.echo(render_question(question, bank.syllabus, bank.paths.get(question.id)))


def render_question(question, syllabus, path=None) -> str:
    from qbank.markup import to_plain

    lines = [click.style(question.id, bold=True) + f"  ({question.type}, {question.status}, revision {question.revision})"]
    if path:
        lines.append(f"file: {path}")
    sections = []
    for section_id in question.syllabus:
        found = syllabus.find(section_id)
        sections.append(f"{section_id} {found.title}" if found else section_id)
    lines.append("syllabus: " + "; ".join(sections))
    details = [f"{k}: {v}" for k, v in (("difficulty", question.difficulty), ("bloom", question.bloom),
                                         ("points", question.points)) if v is not None]
    if question.tags:
        details.append("tags: " + ", ".join(question.tags))
    lines.append("  ".join(details))
    lines += ["", to_plain(question.stem), ""]
    for n, option in enumerate(question.options):
        mark = click.style("✔", fg="green") if option.correct else " "
        lines.append(f" {mark} {LETTERS[n]}. {to_plain(option.text)}")
        if option.rationale:
            lines.append(click.style("      " + " ".join(to_plain(option.rationale).split()), dim=True))
    if question.explanation:
        lines += ["", "Explanation: " + to_plain(question.explanation)]
    if question.source:
        lines.append("Source: " + question.source)
    return "\n".join(lines)


@cli.command()
@bank_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@friendly_errors
def stats(bank_path, output_format):
    """Counts per syllabus section, type, difficulty, Bloom level and status, and answer-key balance.

    \b
    Example:
      qbank stats --format json
    """
    bank = _load(bank_path)
    from qbank.stats import bank_stats

    figures = bank_stats(bank)
    if output_format == "json":
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    click.echo(f"{bank.syllabus.title} ({bank.id}): {figures['questions']} questions in {bank.root}")
    click.echo("\nBy syllabus section (including subsections):")
    for row in figures["sections"]:
        indent = "  " * row["depth"]
        click.echo(f"  {indent}{row['id']:<8} {row['count']:>5}  {row['title']}")
    for heading, key in (("type", "types"), ("difficulty", "difficulty"), ("Bloom level", "bloom"), ("status", "status")):
        click.echo(f"\nBy {heading}: " + ", ".join(f"{k} {v}" for k, v in figures[key].items()))
    balance = figures["key_positions"]
    click.echo("\nAnswer-key position (single-answer questions as authored): "
               + ", ".join(f"{k} {v}" for k, v in balance.items()))


# -- build -----------------------------------------------------------------------------


@cli.command()
@click.argument("blueprint_path", metavar="BLUEPRINT", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Same bank, blueprint and seed → the same papers.")
@click.option("--variants", type=click.IntRange(min=1), default=1, show_default=True, help="Number of variants (A, B, …, Z, AA, …).")
@click.option("--distinct", is_flag=True, help="Draw different questions for each variant where the bank allows (default: same questions, new order).")
@click.option("--exclude", "exclude_ids", multiple=True, metavar="ID", help="Never draw this question (repeatable).")
@click.option("--exclude-used", "used_manifests", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="MANIFEST", help="Never draw a question an earlier build used (repeatable).")
@click.option("--from-manifest", "manifest_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Rebuild exactly the papers a manifest.json describes (no BLUEPRINT needed).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Folder for the papers, keys and manifest.json.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["pdf", "docx"]),
              help="Output format (repeatable). Default: pdf and docx.")
@click.option("--answer-sheet", is_flag=True, help="Add an answer sheet with a bubble grid to each paper (also when the blueprint says answer_sheet: true).")
@click.option("--font", type=click.Path(exists=True, dir_okay=False), help="TrueType font for the PDFs, for scripts DejaVu Sans lacks.")
@click.option("--docx-template", type=click.Path(exists=True, dir_okay=False), help="A .docx whose styles the Word papers use.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes. Default: one per CPU.")
@bank_option
@friendly_errors
def build(blueprint_path, seed, variants, distinct, exclude_ids, used_manifests, manifest_path, out_dir, formats,
          answer_sheet, font, docx_template, jobs, bank_path):
    """Build randomized exam papers, answer keys and a manifest from a blueprint.

    For each variant X it writes NAME-X.pdf, NAME-X-key.pdf, NAME-X.docx and
    NAME-X-key.docx, and manifest.json, which records exactly what each
    variant holds. The same bank, blueprint and seed always give the same
    files, byte for byte (dates come from SOURCE_DATE_EPOCH when set).

    \b
    Examples:
      qbank build templates/itil4-foundation-mock.json --seed 2026 --variants 3 --out out/
      qbank build templates/itil4-2.4-quiz.json --distinct --variants 2 --answer-sheet
      qbank build templates/itil4-foundation-mock.json --exclude-used out/manifest.json --out retake/
      qbank build --from-manifest out/manifest.json --out rebuilt/
    """
    import sys
    from contextlib import nullcontext

    from qbank import build as builder
    from qbank.bank import load_bank
    from qbank.formats import PaperOptions
    from qbank.manifest import read_manifest, used_ids

    if bool(blueprint_path) == bool(manifest_path):
        raise click.UsageError("give a BLUEPRINT, or --from-manifest MANIFEST (not both)")
    if manifest_path:
        context = click.get_current_context()
        for name, flag in (("seed", "--seed"), ("variants", "--variants"), ("distinct", "--distinct"),
                           ("exclude_ids", "--exclude"), ("used_manifests", "--exclude-used")):
            if context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(f"{flag} does not go with --from-manifest: the manifest fixes every question")
        manifest = read_manifest(manifest_path)
        bank = load_bank(builder.find_bank_for(bank_path, (manifest.get("bank") or {}).get("id")))
        plan = builder.plan_from_manifest(bank, manifest, str(manifest_path))
    else:
        from qbank.blueprint import read_blueprint

        blueprint, document = read_blueprint(blueprint_path)
        exclude = set(exclude_ids)
        for used in used_manifests:
            exclude |= used_ids(read_manifest(used))
        bank = load_bank(builder.find_bank_for(bank_path, blueprint.bank))
        plan = builder.plan_build(bank, blueprint, document, seed, variants, distinct, exclude)
    answer_sheet = answer_sheet or plan.papers[0].blueprint.answer_sheet
    options = PaperOptions(answer_sheet=answer_sheet, font=font, docx_template=docx_template, syllabus=bank.syllabus,
                           timestamp=builder.source_date_epoch())
    formats = formats or builder.PAPER_FORMATS
    many = len(plan.papers) > 3
    bar = click.progressbar(length=len(plan.papers), label="Building variants", file=sys.stderr) if many else nullcontext()
    with bar:
        plan.files = builder.render_all(plan.papers, formats, options, jobs,
                                        on_variant=(lambda _: bar.update(1)) if many else None)
    written = builder.write_build(out_dir, plan)
    if not many:
        for path in written:
            click.echo(f"wrote {path}")
    paper = plan.papers[0]
    click.echo(f"{len(plan.papers)} variant(s) of {paper.blueprint.title!r} ({len(paper.items)} questions, "
               f"seed {plan.manifest['seed']}): {len(written)} files in {out_dir}")
