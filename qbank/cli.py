"""The qbank command line: parse, call the library, print.

Every command turns the library's QbankError into a click.ClickException,
so a user sees a message to act on, never a traceback.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from string import ascii_uppercase

import click

from qbank import __version__
from qbank.errors import InvalidBankError, QbankError

LETTERS = ascii_uppercase


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
                   "`qbank lint` lists them (rationale-missing) to add before review", err=True)
    written = write_plan(plan, partial=partial)
    click.echo(f"{summary}; wrote {len(written.paths)} as drafts into {plan.bank.root}"
               + (" and updated syllabus.json" if written.syllabus_changed else ""))


# -- authoring: add, edit, retire, approve -------------------------------------------


def _stdin_is_terminal() -> bool:
    import sys

    return sys.stdin.isatty()


def _read_bank_for_writing(bank_root):
    from qbank.bank import SYLLABUS_FILE, read_bank

    bank = read_bank(bank_root)
    broken = [p for p in bank.problems if Path(p.file).name == SYLLABUS_FILE]
    if broken:
        raise InvalidBankError(broken)
    return bank


def _pick_bank(bank_path, interactive):
    from qbank.bank import default_root, find_banks, resolve_bank

    if not interactive:
        return resolve_bank(bank_path)
    banks = find_banks(bank_path if bank_path is not None else default_root())
    if len(banks) == 1:
        return banks[0]
    for n, found in enumerate(banks, 1):
        click.echo(f"{n:>3}. {found}")
    return banks[click.prompt("Bank number", type=click.IntRange(1, len(banks))) - 1]


def _pick_section(syllabus):
    entries = list(syllabus.walk())
    for n, (section, ancestors) in enumerate(entries, 1):
        click.echo(f"{n:>3}. {'  ' * len(ancestors)}{section.id} {section.title}")
    return entries[click.prompt("Section number", type=click.IntRange(1, len(entries))) - 1][0].id


def _read_text(label, use_editor):
    """Multi-line text typed at the prompt, or written in $EDITOR (--editor or `:e`)."""
    lines: list[str] = []
    if not use_editor:
        click.echo(f"{label} (end with an empty line; type :e to write it in $EDITOR):")
        while True:
            line = click.prompt("", default="", show_default=False, prompt_suffix="> ")
            if line.strip() == ":e":
                break
            if line.strip():
                lines.append(line)
            elif lines:
                return "\n".join(lines)
    text = click.edit("\n".join(lines), extension=".md")
    if not text or not text.strip():
        raise click.ClickException(f"the {label.lower()} is empty; nothing saved")
    return text.strip()


def _prompt_optional(label, choices=None):
    while True:
        answer = click.prompt(f"{label}{' (' + ', '.join(choices) + ')' if choices else ''}, empty to skip",
                              default="", show_default=False).strip()
        if not answer or choices is None or answer in choices:
            return answer or None
        click.echo(f"Choose one of: {', '.join(choices)}")


def _prompt_question(section, qtype, use_editor, syllabus) -> dict:
    from qbank.model import BLOOM_LEVELS, DIFFICULTIES, QUESTION_TYPES

    section = section or _pick_section(syllabus)
    qtype = qtype or click.prompt("Type", type=click.Choice(QUESTION_TYPES), default="single")
    doc: dict = {"type": qtype, "stem": _read_text("Stem", use_editor)}
    options = []
    if qtype == "truefalse":
        true = click.confirm("Is the statement true?")
        for text, correct in (("True", true), ("False", not true)):
            rationale = click.prompt(f"Rationale for {text} (why it is {'right' if correct else 'wrong'})",
                                     default="", show_default=False).strip()
            options.append({"text": text, "correct": correct} | ({"rationale": rationale} if rationale else {}))
    else:
        while True:
            letter = LETTERS[len(options)]
            text = click.prompt(f"Option {letter} (empty line when done)", default="", show_default=False).strip()
            if not text:
                if len(options) >= 2:
                    break
                click.echo("A question needs at least two options.")
                continue
            correct = click.confirm(f"Is {letter} correct?", default=False)
            rationale = click.prompt(f"Rationale for {letter} (why it is {'right' if correct else 'wrong'})",
                                     default="", show_default=False).strip()
            options.append({"text": text, "correct": correct} | ({"rationale": rationale} if rationale else {}))
    doc["options"] = options
    doc["syllabus"] = [section]
    for key, choices in (("difficulty", DIFFICULTIES), ("bloom", BLOOM_LEVELS)):
        value = _prompt_optional(key.capitalize() if key != "bloom" else "Bloom level", choices)
        if value:
            doc[key] = value
    tags = [t.strip() for t in click.prompt("Tags, comma-separated, empty for none", default="",
                                            show_default=False).split(",") if t.strip()]
    if tags:
        doc["tags"] = tags
    for key, label in (("source", "Source (publication, section)"), ("explanation", "Explanation (general feedback)")):
        value = _prompt_optional(label)
        if value:
            doc[key] = value
    return doc


def _option_index(value: str, count: int) -> int:
    value = value.strip()
    if value.isdigit() and 1 <= int(value) <= count:
        return int(value) - 1
    if len(value) == 1 and value.upper() in LETTERS[:count]:
        return LETTERS.index(value.upper())
    raise click.UsageError(f"--correct {value!r}: give an option number 1-{count} or a letter A-{LETTERS[count - 1]}")


def _doc_from_options(qtype, stem, options, correct, rationales, fields) -> dict:
    if not stem:
        raise click.UsageError("missing --stem (or use --from-file, or --interactive in a terminal)")
    options = list(options)
    qtype = qtype or ("multiple" if len(correct) > 1 else "single")
    if qtype == "truefalse" and not options:
        options = ["True", "False"]
    if len(options) < 2:
        raise click.UsageError("give at least two --option TEXT (one per option, in order)")
    if not correct:
        raise click.UsageError("missing --correct N: the number (1, 2, …) or letter of the correct option")
    if len(rationales) > len(options):
        raise click.UsageError(f"{len(rationales)} --rationale for {len(options)} options; give at most one per option, in order")
    keys = {_option_index(value, len(options)) for value in correct}
    doc = {"type": qtype, "stem": stem, "options": []}
    for n, text in enumerate(options):
        option = {"text": text, "correct": n in keys}
        if n < len(rationales) and rationales[n].strip():
            option["rationale"] = rationales[n]
        doc["options"].append(option)
    doc.update({k: v for k, v in fields.items() if v})
    return doc


def _read_drafts(stream) -> list:
    try:
        data = json.load(stream)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{stream.name}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    return data if isinstance(data, list) else [data]


def _echo_problems(problems):
    for problem in problems:
        click.echo(str(problem), err=True)


@cli.command()
@bank_option
@click.option("--section", help="Syllabus section id, e.g. 2.4 (asked for interactively if missing).")
@click.option("--type", "qtype", type=click.Choice(["single", "multiple", "truefalse"]),
              help="Question type. Default: single, or multiple when --correct is given more than once.")
@click.option("--stem", help="The question text (Markdown subset).")
@click.option("--option", "options", multiple=True, metavar="TEXT", help="An option; repeat in order.")
@click.option("--correct", multiple=True, metavar="N", help="Number (1, 2, …) or letter of a correct option; repeat for several.")
@click.option("--rationale", "rationales", multiple=True, metavar="TEXT",
              help="Rationale of the option with the same position; repeat in order.")
@click.option("--explanation", help="General feedback.")
@click.option("--difficulty", type=click.Choice(["easy", "medium", "hard"]))
@click.option("--bloom", type=click.Choice(["remember", "understand", "apply", "analyze", "evaluate", "create"]))
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for several.")
@click.option("--source", help="Where the tested fact comes from.")
@click.option("--author", "authors", multiple=True, help="Author name; repeat for several. Default: git config user.name.")
@click.option("--from-file", "from_file", type=click.File("r", encoding="utf-8"),
              help="JSON file with a question without id, or a list of them; - reads stdin.")
@click.option("--editor", "use_editor", is_flag=True, help="Write the stem in $EDITOR (interactive mode).")
@click.option("--interactive/--no-interactive", default=None,
              help="Ask for each field. Default: when stdin is a terminal and no --stem/--from-file is given.")
@click.option("--yes", "-y", is_flag=True, help="Interactive mode: save without asking for confirmation.")
@friendly_errors
def add(bank_path, section, qtype, stem, options, correct, rationales, explanation, difficulty, bloom, tags,
        source, authors, from_file, use_editor, interactive, yes):
    """Add questions with the next free id of their section, as drafts.

    In a terminal, asks for every field; otherwise takes them as options or
    from --from-file. The question is validated against the schema and the
    bank rules before anything is written; the new id is printed on stdout.

    \b
    Examples:
      qbank add --section 2.4                      # interactive
      qbank add --section 2.4 --stem "What is a service?" \\
          --option "A means of co-creating value" --option "A product" \\
          --correct 1 --rationale "ITIL 4 definition." --rationale "A product is a configuration of resources."
      qbank add --from-file drafts.json            # one question or a list
    """
    from qbank.authoring import add_questions, git_user_name, new_question, plan_questions, today

    if interactive is None:
        interactive = _stdin_is_terminal() and not (stem or from_file)
    bank = _read_bank_for_writing(_pick_bank(bank_path, interactive and not from_file))
    author_names = list(authors) or [name for name in [git_user_name(bank.root)] if name]
    date = today()
    fields = {"explanation": explanation, "difficulty": difficulty, "bloom": bloom, "tags": list(tags), "source": source}
    if from_file:
        docs = [new_question(d, section=section, authors=author_names, date=date) for d in _read_drafts(from_file)]
    elif not interactive:
        docs = [new_question(_doc_from_options(qtype, stem, options, correct, rationales, fields),
                             section=section, authors=author_names, date=date)]
    else:
        from qbank.bank import question_from_dict

        doc = new_question(_prompt_question(section, qtype, use_editor, bank.syllabus),
                           authors=author_names, date=date)
        while True:
            planned, problems = plan_questions(bank, [doc])
            path, full = planned[0]
            click.echo("")
            if not problems:
                click.echo(render_question(question_from_dict(full), bank.syllabus, path))
                click.echo("")
                break
            _echo_problems(problems)
            if not click.confirm("Fix the question in $EDITOR?", default=True):
                click.echo("Not saved; the bank is unchanged.", err=True)
                raise SystemExit(1)
            edited = click.edit(json.dumps(doc, indent=2, ensure_ascii=False), extension=".json")
            if edited is not None:
                try:
                    doc = json.loads(edited)
                except json.JSONDecodeError as error:
                    click.echo(f"invalid JSON: {error.msg} (line {error.lineno}); try again", err=True)
        if not yes and not click.confirm(f"Save as {full['id']}?", default=True):
            click.echo("Not saved; the bank is unchanged.", err=True)
            raise SystemExit(1)
        docs = [doc]
    for question_id, path in add_questions(bank, docs):
        click.echo(f"added {question_id}: {path}", err=True)
        click.echo(question_id)


@cli.command()
@click.argument("question_id")
@bank_option
@friendly_errors
def edit(question_id, bank_path):
    """Edit a question's file in $EDITOR; it is saved only when valid.

    On save the question is checked again; when its content changed,
    `revision` goes up by one and `updated` becomes today. If the result is
    invalid the errors are shown and the editor can be re-opened: the file
    stays as it was until a valid version is saved.

    \b
    Example:
      EDITOR=nano qbank edit itil4f-2-4-001
    """
    from qbank.authoring import question_path, revise, save_revision

    bank = _read_bank_for_writing(_pick_bank(bank_path, False))
    path = question_path(bank, question_id)
    text = path.read_text(encoding="utf-8")
    while True:
        edited = click.edit(text, extension=".json", require_save=True)
        if edited is None:
            click.echo(f"no changes; {path} is unchanged", err=True)
            return
        new_text, problems = revise(bank, question_id, edited)
        if not problems:
            break
        _echo_problems(problems)
        if not click.confirm("Re-open the editor to fix them?", default=True):
            click.echo(f"not saved; {path} is unchanged", err=True)
            raise SystemExit(1)
        text = edited
    if new_text is None:
        click.echo(f"no changes; {path} is unchanged", err=True)
        return
    save_revision(bank, question_id, new_text)
    revision = json.loads(new_text).get("revision", 1)
    click.echo(f"saved {path} (revision {revision})", err=True)


def _change_status(bank_path, question_ids, status, force=False):
    from qbank.authoring import question_path, set_status
    from qbank.lint import lint_question

    bank = _read_bank_for_writing(_pick_bank(bank_path, False))
    for question_id in question_ids:
        if status == "approved" and not force:
            path = question_path(bank, question_id)
            errors = [p for p in lint_question(bank.get(question_id), str(path)) if p.severity == "error"]
            if errors:
                _echo_problems(errors)
                raise click.ClickException(f"{question_id} has lint errors; fix them (qbank edit {question_id}) or use --force")
        path, changed = set_status(bank, question_id, status)
        click.echo(f"{question_id}: {status}" + ("" if changed else " already"), err=True)


@cli.command()
@click.argument("question_ids", nargs=-1, required=True)
@bank_option
@friendly_errors
def retire(question_ids, bank_path):
    """Mark questions retired: kept for history, never drawn into papers or exports.

    \b
    Example:
      qbank retire itil4f-2-4-003
    """
    _change_status(bank_path, question_ids, "retired")


@cli.command()
@click.argument("question_ids", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Approve even if the question has lint errors.")
@bank_option
@friendly_errors
def approve(question_ids, force, bank_path):
    """Mark questions approved (usable in papers) after checking them.

    An approved question needs a rationale on every option and no lint
    errors (item-writing flaws); --force skips the lint check.

    \b
    Example:
      qbank approve itil4f-2-4-021 itil4f-2-4-022
    """
    _change_status(bank_path, question_ids, "approved", force)


# -- lint ------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints the problems as a JSON list for CI and editors.")
@click.option("--rule", "rules", multiple=True, metavar="RULE", help="Run only this rule; repeat for several.")
@click.option("--ignore", "ignored", multiple=True, metavar="RULE", help="Skip this rule; repeat for several.")
@click.option("--list-rules", is_flag=True, help="Show every rule with its flaw and fix, and exit.")
@bank_option
@friendly_errors
def lint(paths, output_format, rules, ignored, list_rules, bank_path):
    """Find item-writing flaws: cues, negative stems, weak rationales, near-duplicates.

    PATHS may be banks, folders of banks, or question files (only those
    files are reported; bank-wide rules still compare them with the whole
    bank). Exit code 1 if any problem is an error; warnings do not fail.
    Severities and thresholds: [tool.qbank.lint] in pyproject.toml or
    [lint] in qbank.toml (see README).

    \b
    Examples:
      qbank lint
      qbank lint --list-rules
      qbank lint --ignore absolute-words --format json questions/itil4-foundation
    """
    from qbank.bank import default_root, find_banks, read_bank
    from qbank.lint import RULES, collector_paused, find_config_file, lint_bank, make_config, sort_key

    if list_rules:
        for found in RULES.values():
            click.echo(click.style(f"{found.id}", bold=True) + f"  ({found.severity}, {found.scope})")
            click.echo("    " + found.doc.replace("\n", "\n    ").rstrip() + "\n")
        return
    targets = list(paths) or [bank_path or default_root()]
    wanted: dict[Path, set[Path] | None] = {}
    for target in targets:
        for found in find_banks(target):
            if Path(target).is_file():
                if wanted.get(found, set()) is not None:
                    wanted.setdefault(found, set()).add(Path(target).resolve())
            else:
                wanted[found] = None
    problems, counted, skipped = [], 0, 0
    for root, files in wanted.items():
        located = find_config_file(root) or find_config_file(Path.cwd())
        config = make_config(located[1] if located else None, str(located[0]) if located else None,
                             only=rules, ignore=ignored)
        with collector_paused():
            bank = read_bank(root)
            only_files = None if files is None else {str(p) for p in bank.paths.values() if p.resolve() in files}
            skipped += sum(1 for p in bank.problems if p.severity == "error")
            problems += sorted(lint_bank(bank, config, only_files), key=sort_key)
        counted += len(bank.questions) if only_files is None else len(only_files)
    errors = sum(1 for p in problems if p.severity == "error")
    if output_format == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(str(problem) + ("" if problem.severity == "error" else " (warning)"), err=True)
    if skipped:
        click.echo(f"note: the bank has {skipped} validation problem(s); invalid files were not linted "
                   "(see `qbank validate`)", err=True)
    summary = f"{errors} error(s), {len(problems) - errors} warning(s) in {counted} questions"
    if errors:
        click.echo(summary, err=True)
        raise SystemExit(1)
    if output_format == "text":
        click.echo(f"ok: {summary}")


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
      qbank export qti --blueprint templates/itil4-foundation-mock.json -o out/mock.qti21.zip
    """
    from qbank.bank import write_atomic
    from qbank.blueprint import read_blueprint
    from qbank.export import bank_questions, blueprint_pools, export_questions, paper_questions
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
        blueprint, _ = read_blueprint(blueprint_path)
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
