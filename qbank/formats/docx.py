"""Editable Word papers and answer keys (python-docx).

Everything is built on named Word styles, so a teacher can restyle a whole
paper at once or start from their own template (``PaperOptions.docx_template``):
Title and Subtitle on the cover, Heading 1 for sections, List Number for the
question stems (Word numbers them), and qbank's own paragraph styles
"Option", "Rationale" and "Key Details", created only when the template
lacks them. The key's answer grid is a real table ("Table Grid").

A question's paragraphs keep with the next one, so a question is never
split across pages. The file is byte-identical for the same inputs: fixed
document properties and zip entries stamped with ``PaperOptions.timestamp``.
"""

from __future__ import annotations

import io
import math
import zipfile
from datetime import datetime, timezone

from qbank import markup
from qbank.formats import PaperOptions
from qbank.formats.paper_text import (
    ANSWER_SHEET_NOTE, ANSWER_SHEET_TITLE, CANDIDATE_FIELDS, DEBRIEF_TITLE, KEY_TITLE,
    choose_hint, cover_facts, key_details, key_text, letter, running_title,
)
from qbank.model import Paper

OPTION_STYLE = "Option"
RATIONALE_STYLE = "Rationale"
DETAILS_STYLE = "Key Details"
STATEMENT_STYLE = "List 2"
CONTINUE_STYLE = "List Continue"


def write_paper(paper: Paper, options: PaperOptions = PaperOptions()) -> bytes:
    document = _new_document(paper, options, key=False)
    _cover(document, paper)
    current_section = None
    for item in paper.items:
        if item.section_title and item.section_title != current_section:
            document.add_paragraph(item.section_title, style="Heading 1")
            current_section = item.section_title
        paragraphs = _stem(document, item)
        for position, option in enumerate(item.options):
            paragraph = document.add_paragraph(style=OPTION_STYLE)
            paragraph.add_run(f"{letter(position)}.\t")
            _add_inlines(paragraph, _flat_inlines(option.text))
            paragraphs.append(paragraph)
        _keep_together(paragraphs)
    if options.answer_sheet:
        _answer_sheet(document, paper)
    return _save(document, options)


def write_key(paper: Paper, options: PaperOptions = PaperOptions()) -> bytes:
    from docx.enum.text import WD_BREAK

    document = _new_document(paper, options, key=True)
    document.add_paragraph(KEY_TITLE, style="Title")
    document.add_paragraph(f"{paper.blueprint.title} · Variant {paper.variant}", style="Subtitle")
    document.add_paragraph(" · ".join(f"{label}: {value}" for label, value in cover_facts(paper)))
    _key_grid(document, paper)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph(DEBRIEF_TITLE, style="Heading 1")
    for item in paper.items:
        paragraphs = _stem(document, item)
        paragraphs.append(document.add_paragraph(key_details(item, options.syllabus), style=DETAILS_STYLE))
        for position, option in enumerate(item.options):
            paragraph = document.add_paragraph(style=OPTION_STYLE)
            paragraph.add_run(f"{letter(position)}.\t" + ("✔ " if option.correct else "")).bold = option.correct
            _add_inlines(paragraph, _flat_inlines(option.text), bold=option.correct)
            paragraphs.append(paragraph)
            if option.rationale:
                rationale = document.add_paragraph(style=RATIONALE_STYLE)
                _add_inlines(rationale, _flat_inlines(option.rationale))
                paragraphs.append(rationale)
        if item.question.explanation:
            explanation = document.add_paragraph(style=RATIONALE_STYLE)
            explanation.add_run("Explanation: ").bold = True
            _add_inlines(explanation, _flat_inlines(item.question.explanation))
            paragraphs.append(explanation)
        _keep_together(paragraphs)
    return _save(document, options)


# -- building blocks ------------------------------------------------------------------


def _cover(document, paper: Paper) -> None:
    from docx.enum.text import WD_BREAK

    blueprint = paper.blueprint
    document.add_paragraph(blueprint.title, style="Title")
    document.add_paragraph(f"Variant {paper.variant}", style="Subtitle")
    facts = document.add_table(rows=0, cols=2)
    for label, value in cover_facts(paper):
        cells = facts.add_row().cells
        cells[0].text = label
        cells[1].paragraphs[0].add_run(value).bold = True
    document.add_paragraph()
    _candidate_boxes(document)
    if blueprint.instructions:
        document.add_paragraph("Instructions", style="Heading 1")
        _add_blocks(document, blueprint.instructions, "Normal")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _candidate_boxes(document) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    digits = 10
    table = document.add_table(rows=2, cols=1 + digits)
    table.style = "Table Grid"
    table.autofit = False
    for n, column in enumerate(table.columns):
        column.width = Cm(4) if n == 0 else Cm(0.8)
    name_row, number_row = table.rows
    name_row.cells[1].merge(name_row.cells[-1])
    for row, label in zip(table.rows, CANDIDATE_FIELDS):
        row.cells[0].text = label
        row.height = Cm(0.9)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for row in table.rows:
        for n, cell in enumerate(row.cells):
            cell.width = Cm(4) if n == 0 else Cm(0.8)
    document.add_paragraph()


def _stem(document, item) -> list:
    """The stem as a List Number paragraph (Word numbers it), then any further blocks."""
    blocks = markup.parse(item.question.stem)
    paragraphs = []
    first = document.add_paragraph(style="List Number")
    paragraphs.append(first)
    rest = blocks
    if blocks and isinstance(blocks[0], markup.Paragraph):
        _add_inlines(first, blocks[0].children)
        rest = blocks[1:]
    paragraphs += _add_blocks(document, rest, CONTINUE_STYLE)
    hint = choose_hint(item)
    if hint:
        paragraph = document.add_paragraph(style=CONTINUE_STYLE)
        paragraph.add_run(hint).bold = True
        paragraphs.append(paragraph)
    return paragraphs


def _add_blocks(document, text_or_blocks, paragraph_style: str) -> list:
    blocks = markup.parse(text_or_blocks) if isinstance(text_or_blocks, str) else text_or_blocks
    paragraphs = []
    for block in blocks:
        if isinstance(block, markup.Paragraph):
            paragraph = document.add_paragraph(style=paragraph_style)
            _add_inlines(paragraph, block.children)
            paragraphs.append(paragraph)
        else:
            for n, item in enumerate(block.items, start=block.start):
                # Literal numbers: a statement list restarts at 1 in every
                # question, and the candidate answers by these numbers.
                paragraph = document.add_paragraph(style=STATEMENT_STYLE)
                paragraph.add_run(f"{n}.\t" if block.ordered else "•\t")
                _add_inlines(paragraph, item)
                paragraphs.append(paragraph)
    return paragraphs


def _flat_inlines(text: str) -> tuple:
    """Markup as one paragraph's inlines (options and rationales are short)."""
    out: list = []
    for block in markup.parse(text):
        if out:
            out.append(markup.LineBreak())
        if isinstance(block, markup.Paragraph):
            out += block.children
        else:
            for n, item in enumerate(block.items, start=block.start):
                if n != block.start:
                    out.append(markup.LineBreak())
                out += [markup.Text(f"{n}. " if block.ordered else "• "), *item]
    return tuple(out)


def _add_inlines(paragraph, nodes, bold: bool = False, italic: bool = False) -> None:
    for node in nodes:
        if isinstance(node, markup.Text):
            run = paragraph.add_run(node.text)
            run.bold, run.italic = bold or None, italic or None
        elif isinstance(node, markup.Code):
            run = paragraph.add_run(node.text)
            run.font.name = "Courier New"
            run.bold, run.italic = bold or None, italic or None
        elif isinstance(node, markup.LineBreak):
            paragraph.add_run().add_break()
        elif isinstance(node, markup.Strong):
            _add_inlines(paragraph, node.children, True, italic)
        elif isinstance(node, markup.Emphasis):
            _add_inlines(paragraph, node.children, bold, True)
        else:  # a new node type must be rendered, never dropped
            raise TypeError(f"no DOCX rendering for {type(node).__name__}")


def _keep_together(paragraphs: list) -> None:
    for paragraph in paragraphs:
        paragraph.paragraph_format.keep_together = True
    for paragraph in paragraphs[:-1]:
        paragraph.paragraph_format.keep_with_next = True


def _key_grid(document, paper: Paper) -> None:
    pairs = 5
    rows = math.ceil(len(paper.items) / pairs)
    table = document.add_table(rows=rows + 1, cols=2 * pairs)
    table.style = "Table Grid"
    for column in range(pairs):
        header = table.rows[0].cells
        header[2 * column].paragraphs[0].add_run("Question").bold = True
        header[2 * column + 1].paragraphs[0].add_run("Key").bold = True
        for row in range(rows):
            index = column * rows + row
            if index < len(paper.items):
                cells = table.rows[row + 1].cells
                cells[2 * column].text = str(index + 1)
                cells[2 * column + 1].paragraphs[0].add_run(key_text(paper.items[index])).bold = True


def _answer_sheet(document, paper: Paper) -> None:
    from docx.enum.text import WD_BREAK

    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph(ANSWER_SHEET_TITLE, style="Title")
    document.add_paragraph(f"{paper.blueprint.title} · Variant {paper.variant}")
    _candidate_boxes(document)
    document.add_paragraph(ANSWER_SHEET_NOTE)
    groups = 2
    widest = max(len(item.options) for item in paper.items)
    rows = math.ceil(len(paper.items) / groups)
    table = document.add_table(rows=rows, cols=groups * (widest + 1))
    for index, item in enumerate(paper.items):
        group, row = divmod(index, rows)
        cells = table.rows[row].cells[group * (widest + 1): (group + 1) * (widest + 1)]
        cells[0].paragraphs[0].add_run(str(index + 1)).bold = True
        for position in range(len(item.options)):
            cells[position + 1].text = f"○ {letter(position)}"


# -- document set-up and deterministic saving ------------------------------------------------


def _new_document(paper: Paper, options: PaperOptions, key: bool):
    import docx

    document = docx.Document(options.docx_template) if options.docx_template else docx.Document()
    if options.docx_template:
        body = document.element.body
        for child in list(body):
            if not child.tag.endswith("}sectPr"):
                body.remove(child)
    _ensure_styles(document, own_template=not options.docx_template)
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = running_title(paper, key=key)
    header.style = document.styles["Header"]
    _page_x_of_y(section.footer.paragraphs[0])
    _set_properties(document, running_title(paper, key=key), options.timestamp)
    return document


def _ensure_styles(document, own_template: bool) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Cm, Pt

    styles = document.styles
    names = {style.name for style in styles}

    def add(name, base, left, hanging=None, italic=None, size=None, space_before=None):
        if name in names:
            return
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        style.quick_style = True
        fmt = style.paragraph_format
        fmt.left_indent = Cm(left)
        if hanging:
            fmt.first_line_indent = Cm(-hanging)
            fmt.tab_stops.add_tab_stop(Cm(left))
        fmt.space_after = Pt(0)
        if space_before is not None:
            fmt.space_before = Pt(space_before)
        if italic:
            style.font.italic = True
        if size:
            style.font.size = Pt(size)

    if own_template:
        # Room between questions; a user's template decides this itself.
        styles["List Number"].paragraph_format.space_before = Pt(10)
    add(OPTION_STYLE, "Normal", left=1.4, hanging=0.7, space_before=2)
    add(RATIONALE_STYLE, "Normal", left=1.4, italic=True, size=9)
    add(DETAILS_STYLE, "Normal", left=0.63, size=9, space_before=2)


def _page_x_of_y(paragraph) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for text, field in (("Page ", "PAGE"), (" of ", "NUMPAGES")):
        paragraph.add_run(text)
        simple = OxmlElement("w:fldSimple")
        simple.set(qn("w:instr"), f" {field} ")
        run = OxmlElement("w:r")
        placeholder = OxmlElement("w:t")
        placeholder.text = "1"
        run.append(placeholder)
        simple.append(run)
        paragraph._p.append(simple)


def _set_properties(document, title: str, timestamp: int) -> None:
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(tzinfo=None)
    properties = document.core_properties
    properties.title = title
    properties.author = "qbank"
    properties.last_modified_by = "qbank"
    properties.created = moment
    properties.modified = moment
    properties.last_printed = moment
    properties.revision = 1


def _save(document, options: PaperOptions) -> bytes:
    """Save, then rewrite the zip with fixed entry order and timestamps."""
    raw = io.BytesIO()
    document.save(raw)
    stamp = datetime.fromtimestamp(max(options.timestamp, 315532800), tz=timezone.utc).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = sorted(source.namelist(), key=lambda name: (name != "[Content_Types].xml", name))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, source.read(name))
    return out.getvalue()
