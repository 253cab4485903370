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


# -- import ----------------------------------------------------------------------------


def _category_pairs(ctx, param, values):
    pairs = {}
    for value in values:
        category, sep, section = value.rpartition("=")
        if not sep or not category.strip() or not section.strip():
            raise click.BadParameter(f"{value!r}: write CATEGORY=SECTION, e.g. 'Default for ITIL/Value=2.4'")
        pairs[category.strip()] = section.strip()
    return pairs


@cli.command(name="import")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(["moodle", "gift", "aiken"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "into", type=click.Path(path_type=Path), required=True,
              help="The bank to import into (a folder with syllabus.json).")
@click.option("--section", help="Put every question in this syllabus section (needed when the file has no categories).")
@click.option("--map-category", "category_map", multiple=True, callback=_category_pairs, metavar="CATEGORY=SECTION",
              help="Put a category of the file (full path or last name) into an existing section. Repeatable.")
@click.option("--dry-run", is_flag=True, help="Show what would be written, write nothing.")
@click.option("--partial", is_flag=True, help="Write the valid questions even if some are invalid (those are listed).")
@click.option("--max-size", type=click.IntRange(min=1), default=100, show_default=True, metavar="MB",
              help="Refuse files larger than this.")
@friendly_errors
def import_(format_name, file, into, section, category_map, dry_run, partial, max_size):
    """Import questions from Moodle XML, GIFT or Aiken into a bank, as drafts.

    Categories become syllabus sections (matched by id or title, created
    when missing); the file's ids are kept when free. Question types qbank
    does not model are listed and skipped. Nothing is written if any
    question would be invalid, unless --partial.

    \b
    Examples:
      qbank import moodle quiz.xml --into questions/itil4-foundation --dry-run
      qbank import gift week1.gift.txt --into questions/itil4-foundation --section 2.4
    """
    from qbank.importing import import_file, write_plan

    plan = import_file(format_name, file, into, section=section, category_map=category_map,
                       max_bytes=max_size * 1024 * 1024)
    for skipped in plan.skipped:
        where = f"line {skipped.line}: " if skipped.line else ""
        click.echo(f"skipped: {where}{skipped.name!r} ({skipped.kind}): qbank does not model this type", err=True)
    for item in plan.planned:
        for note in item.origin.notes:
            click.echo(f"note: {item.question.id} ({item.origin.name!r}): {note}", err=True)
    for item in plan.invalid:
        where = f" line {item.origin.line}" if item.origin.line else ""
        click.echo(f"invalid:{where} {item.origin.name!r}:", err=True)
        for problem in item.problems:
            click.echo(f"  {problem}", err=True)
    writing = not plan.invalid or partial
    for section_added in plan.new_sections if writing else ():
        click.echo(f"{'would add' if dry_run else 'adds'} section {section_added.id} {section_added.title!r} to the syllabus")
    for item in plan.valid if writing else ():
        click.echo(f"{'would write' if dry_run else 'writes'} {item.path}")
    summary = (f"{len(plan.valid)} question(s) valid, {len(plan.invalid)} invalid, "
               f"{len(plan.skipped)} skipped (types qbank does not model)")
    if dry_run:
        click.echo(f"dry run: {summary}; nothing written")
        if plan.invalid and not partial:
            raise SystemExit(1)
        return
    lacking = sum(1 for item in plan.valid if any(o.rationale is None for o in item.question.options))
    if lacking:
        click.echo(f"note: {lacking} question(s) have options without a rationale: allowed in drafts, "
                   "add them before moving a question to review", err=True)
    written = write_plan(plan, partial=partial)
    click.echo(f"{summary}; wrote {len(written.paths)} as drafts into {plan.bank.root}"
               + (" and updated syllabus.json" if written.syllabus_changed else ""))

# -- export ----------------------------------------------------------------------------


@cli.command()
@click.argument("format_name", metavar="FORMAT")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write (replaced atomically; nothing is written on error).")
@click.option("--section", help="Only this syllabus section and its subsections, e.g. 2.4.")
@click.option("--tag", help="Only questions with this tag.")
@click.option("--status", type=click.Choice(["draft", "review", "approved", "retired"]), help="Only this status.")
@click.option("--include-retired", is_flag=True, help="Also export retired questions (left out by default).")
@click.option("--paper", "manifest_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Export exactly the questions of a built paper: the manifest.json `qbank build` wrote.")
@click.option("--variant", help="With --paper: the variant label, e.g. A.")
@click.option("--blueprint", "blueprint_path", type=click.Path(dir_okay=False, path_type=Path),
              help="qti only: a test that draws per candidate as this blueprint says (selection per section).")
@click.option("--skip-unsupported", is_flag=True,
              help="Leave out (and list) questions the format cannot express, instead of failing.")
@bank_option
@friendly_errors
def export(format_name, output, section, tag, status, include_retired, manifest_path, variant, blueprint_path,
           skip_unsupported, bank_path):
    """Export questions for an LMS: FORMAT is moodle, qti (a QTI 2.1 zip), gift or aiken.

    Exports the bank (filtered by --section/--tag/--status), or with
    --paper exactly the questions of one built paper variant, in paper
    order, as one category. A question the format cannot express is named
    with the reason and the export fails, unless --skip-unsupported.

    \b
    Examples:
      qbank export moodle -o out/itil4.moodle.xml
      qbank export qti --section 2.4 --status approved -o out/2.4.qti21.zip
      qbank export moodle --paper out/manifest.json --variant A -o out/paper-A.xml
      qbank export qti --blueprint templates/itil4-foundation.json -o out/mock.qti21.zip
    """
    from qbank.bank import write_atomic
    from qbank.export import bank_questions, blueprint_pools, export_questions, paper_questions, read_blueprint
    from qbank.formats import ExportOptions

    bank = _load(bank_path)
    if manifest_path:
        if section or tag or status or include_retired:
            raise click.UsageError("--paper exports exactly the paper's questions; "
                                   "it cannot be combined with --section, --tag, --status or --include-retired")
        questions, category = paper_questions(manifest_path, variant, bank)
        options = ExportOptions(category=category, title=bank.syllabus.title)
    else:
        if variant:
            raise click.UsageError("--variant needs --paper")
        questions = bank_questions(bank, section, tag, status, include_retired)
        options = ExportOptions(title=bank.syllabus.title)
    if blueprint_path:
        if format_name != "qti" or manifest_path:
            raise click.UsageError("--blueprint works with the qti format and a bank, not with --paper")
        blueprint = read_blueprint(blueprint_path)
        pools = blueprint_pools(blueprint, questions, bank.syllabus)
        drawn = {qid for pool in pools for qid in pool.question_ids}
        questions = [q for q in questions if q.id in drawn]
        options = ExportOptions(title=blueprint.title, pools=pools)
    result = export_questions(format_name, questions, bank.syllabus, options, skip_unsupported)
    for question_id, reason in result.skipped:
        click.echo(f"skipped {question_id}: {reason}", err=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output, result.data)
    click.echo(f"wrote {output}: {result.exported} question(s) as {format_name}"
               + (f", {len(result.skipped)} skipped" if result.skipped else ""))
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
