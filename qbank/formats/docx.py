"""Editable Word papers and answer keys (python-docx).

Everything is built on named Word styles, so a teacher can restyle a whole
paper at once or start from their own template (``PaperOptions.docx_template``):
Title and Subtitle on the cover, Heading 1 for sections, List Number for the
question stems (Word numbers them), and qbank's own paragraph styles
"Option", "Rationale" and "Key Details", created only when the template
lacks them. The key's answer grid is a real table ("Table Grid").

A question is never split across pages: each one is a row of a borderless,
single-column table that may not break across pages (``w:cantSplit``), and
its paragraphs keep their styles inside the cell, so Word still numbers
the stems. (A chain of keep-with-next paragraphs is not enough: LibreOffice
breaks such chains in places that depend on how the earlier pages were laid
out.) The file is byte-identical for the same inputs: fixed document
properties and zip entries stamped with ``PaperOptions.timestamp``.
"""

from __future__ import annotations

import io
import math
import zipfile
from datetime import datetime, timezone

from qbank import markup
from qbank.formats import PaperOptions, deterministic_zip
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
    writer = _Writer(paper, options, key=False)
    _cover(writer, paper)
    current_section = None
    for item in paper.items:
        if item.section_title and item.section_title != current_section:
            writer.paragraph("Heading 1", _plain(item.section_title))
            current_section = item.section_title
        question = _stem(item)
        for position, option in enumerate(item.options):
            question.append((OPTION_STYLE, _plain(f"{letter(position)}.\t") + _runs(_flat_inlines(option.text))))
        writer.question(question)
    if options.answer_sheet:
        _answer_sheet(writer, paper)
    return writer.save()


def write_key(paper: Paper, options: PaperOptions = PaperOptions()) -> bytes:
    writer = _Writer(paper, options, key=True)
    writer.paragraph("Title", _plain(KEY_TITLE))
    writer.paragraph("Subtitle", _plain(f"{paper.blueprint.title} · Variant {paper.variant}"))
    writer.paragraph(None, _plain(" · ".join(f"{label}: {value}" for label, value in cover_facts(paper))))
    _key_grid(writer.document, paper)
    writer.paragraph(None, [PAGE_BREAK])
    writer.paragraph("Heading 1", _plain(DEBRIEF_TITLE))
    for item in paper.items:
        question = _stem(item)
        question.append((DETAILS_STYLE, _plain(key_details(item, options.syllabus))))
        for position, option in enumerate(item.options):
            mark = f"{letter(position)}.\t" + ("✔ " if option.correct else "")
            runs = _plain(mark, bold=option.correct) + _runs(_flat_inlines(option.text), bold=option.correct)
            if option.rationale:
                # In the option's paragraph, after a line break: the rationale
                # belongs to its option and is styled by the run.
                runs += [LINE_BREAK] + _runs(_flat_inlines(option.rationale), italic=True)
            question.append((OPTION_STYLE, runs))
        if item.question.explanation:
            runs = _plain("Explanation: ", bold=True) + _runs(_flat_inlines(item.question.explanation))
            question.append((RATIONALE_STYLE, runs))
        writer.question(question)
    return writer.save()


# -- building blocks ------------------------------------------------------------------


def _cover(writer, paper: Paper) -> None:
    blueprint = paper.blueprint
    writer.paragraph("Title", _plain(blueprint.title))
    writer.paragraph("Subtitle", _plain(f"Variant {paper.variant}"))
    facts = writer.document.add_table(rows=0, cols=2)
    for label, value in cover_facts(paper):
        cells = facts.add_row().cells
        cells[0].text = label
        cells[1].paragraphs[0].add_run(value).bold = True
    writer.paragraph(None, [])
    _candidate_boxes(writer)
    if blueprint.instructions:
        writer.paragraph("Heading 1", _plain("Instructions"))
        for style, runs in _blocks(markup.parse(blueprint.instructions), "Normal"):
            writer.paragraph(style, runs)
    writer.paragraph(None, [PAGE_BREAK])


def _candidate_boxes(writer) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    digits = 10
    table = writer.document.add_table(rows=2, cols=1 + digits)
    table.style = "Table Grid"
    table.autofit = False
    widths = [Cm(4)] + [Cm(0.8)] * digits
    for column, width in zip(table.columns, widths):
        column.width = width
    for row, label in zip(table.rows, CANDIDATE_FIELDS):
        for cell, width in zip(row.cells, widths):
            cell.width = width
        row.cells[0].text = label
        row.height = Cm(0.9)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    name_row = table.rows[0]
    name_row.cells[1].merge(name_row.cells[-1])
    writer.paragraph(None, [])


def _stem(item) -> list:
    """(style, runs) of the stem: a List Number paragraph (Word numbers it), then further blocks."""
    blocks = markup.parse(item.question.stem)
    first_runs: list = []
    if blocks and isinstance(blocks[0], markup.Paragraph):
        first_runs, blocks = _runs(blocks[0].children), blocks[1:]
    question = [("List Number", first_runs)] + _blocks(blocks, CONTINUE_STYLE)
    hint = choose_hint(item)
    if hint:
        question.append((CONTINUE_STYLE, _plain(hint, bold=True)))
    return question


def _blocks(blocks, paragraph_style: str) -> list:
    out = []
    for block in blocks:
        if isinstance(block, markup.Paragraph):
            out.append((paragraph_style, _runs(block.children)))
        else:
            for n, item in enumerate(block.items, start=block.start):
                # Literal numbers: a statement list restarts at 1 in every
                # question, and the candidate answers by these numbers.
                out.append((STATEMENT_STYLE, _plain(f"{n}.\t" if block.ordered else "•\t") + _runs(item)))
    return out


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


# A run is (text, bold, italic, monospace); these two stand for breaks.
LINE_BREAK = ("\n", False, False, False)
PAGE_BREAK = ("\f", False, False, False)


def _plain(text: str, bold: bool = False) -> list:
    return [(text, bold, False, False)]


def _runs(nodes, bold: bool = False, italic: bool = False) -> list:
    out = []
    for node in nodes:
        if isinstance(node, markup.Text):
            out.append((node.text, bold, italic, False))
        elif isinstance(node, markup.Code):
            out.append((node.text, bold, italic, True))
        elif isinstance(node, markup.LineBreak):
            out.append(LINE_BREAK)
        elif isinstance(node, markup.Strong):
            out += _runs(node.children, True, italic)
        elif isinstance(node, markup.Emphasis):
            out += _runs(node.children, bold, True)
        else:  # a new node type must be rendered, never dropped
            raise TypeError(f"no DOCX rendering for {type(node).__name__}")
    return out


def _key_grid(document, paper: Paper) -> None:
    pairs = 5
    rows = math.ceil(len(paper.items) / pairs)
    table = document.add_table(rows=rows + 1, cols=2 * pairs)
    table.style = "Table Grid"
    grid = [row.cells for row in table.rows]
    for column in range(pairs):
        _cell_text(grid[0][2 * column], "No.", bold=True)
        _cell_text(grid[0][2 * column + 1], "Key", bold=True)
        for row in range(rows):
            index = column * rows + row
            if index < len(paper.items):
                _cell_text(grid[row + 1][2 * column], str(index + 1))
                _cell_text(grid[row + 1][2 * column + 1], key_text(paper.items[index]), bold=True)


def _cell_text(cell, text: str, bold: bool = False) -> None:
    """Text in a table cell's first paragraph, written as XML (python-docx's run API is slow)."""
    from lxml import etree

    run = etree.SubElement(cell._tc.p_lst[0], _w("r"))
    if bold:
        etree.SubElement(etree.SubElement(run, _w("rPr")), _w("b"))
    etree.SubElement(run, _w("t")).text = text


def _answer_sheet(writer, paper: Paper) -> None:
    writer.paragraph(None, [PAGE_BREAK])
    writer.paragraph("Title", _plain(ANSWER_SHEET_TITLE))
    writer.paragraph(None, _plain(f"{paper.blueprint.title} · Variant {paper.variant}"))
    _candidate_boxes(writer)
    writer.paragraph(None, _plain(ANSWER_SHEET_NOTE))
    from docx.shared import Cm, Pt

    widest = max(len(item.options) for item in paper.items)
    groups = 2
    rows = math.ceil(len(paper.items) / groups)
    table = writer.document.add_table(rows=rows, cols=groups * (widest + 1))
    table.autofit = False
    widths = ([Cm(1.2)] + [Cm(1.4)] * widest) * groups
    for column, width in zip(table.columns, widths):
        column.width = width
    grid = [row.cells for row in table.rows]
    for cells in grid:
        for cell, width in zip(cells, widths):
            cell.width = width
    for index, item in enumerate(paper.items):
        group, row = divmod(index, rows)
        cells = grid[row][group * (widest + 1): (group + 1) * (widest + 1)]
        cells[0].paragraphs[0].add_run(str(index + 1)).bold = True
        for position in range(len(item.options)):
            cells[position + 1].text = f"○\u00a0{letter(position)}"  # no break between bubble and letter
    for cells in grid:
        for cell in cells:
            cell.paragraphs[0].paragraph_format.space_after = Pt(2)


class _Writer:
    """A document being written; paragraphs go straight into the body as XML.

    python-docx's paragraph API looks each style name up among all styles
    and places every property element by schema order, which makes a
    40-question paper take half a second; writing the same elements
    directly takes a tenth of that.
    """

    def __init__(self, paper: Paper, options: PaperOptions, key: bool):
        self.document = _new_document(paper, options, key)
        self.options = options
        self._style_ids: dict[str, str] = {}
        self._body = self.document.element.body
        # The body ends with the section properties; content goes before them.
        self._section_properties = self._body.find(_w("sectPr"))
        self._questions = None  # the table the next question row goes into, if it continues one
        from docx.shared import Emu

        section = self.document.sections[0]
        self._text_width = Emu(section.page_width - section.left_margin - section.right_margin).twips

    def paragraph(self, style_name: str | None, runs):
        self._questions = None  # the next question starts a new table after this paragraph
        return self._insert(self._paragraph(style_name, runs, space_after=None))

    def question(self, paragraphs) -> None:
        """(style, runs) pairs in one table row that may not split across pages.

        The paragraphs carry no keep-with-next: in a table cell Word would
        read it as "keep this row with the next one" and chain all the
        questions together.
        """
        cell = self._question_cell()
        last = len(paragraphs) - 1
        for n, (style_name, runs) in enumerate(paragraphs):
            cell.append(self._paragraph(style_name, runs, space_after=QUESTION_GAP_TWIPS if n == last else None))

    def _question_cell(self):
        """A new row of the current question table (one is started after any other paragraph)."""
        from docx.oxml.parser import OxmlElement
        from lxml import etree

        if self._questions is None:
            table = OxmlElement("w:tbl")
            properties = etree.SubElement(table, _w("tblPr"))  # children in the schema's order
            _set(etree.SubElement(properties, _w("tblW")), w="5000", type="pct")
            _set(etree.SubElement(properties, _w("tblInd")), w="0", type="dxa")
            borders = etree.SubElement(properties, _w("tblBorders"))
            for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
                _set(etree.SubElement(borders, _w(edge)), val="nil")
            _set(etree.SubElement(properties, _w("tblLayout")), type="fixed")
            margins = etree.SubElement(properties, _w("tblCellMar"))  # text lines up with the headings
            for side in ("top", "left", "bottom", "right"):
                _set(etree.SubElement(margins, _w(side)), w="0", type="dxa")
            _set(etree.SubElement(etree.SubElement(table, _w("tblGrid")), _w("gridCol")), w=str(self._text_width))
            self._questions = self._insert(table)
        row = etree.SubElement(self._questions, _w("tr"))
        etree.SubElement(etree.SubElement(row, _w("trPr")), _w("cantSplit"))
        cell = etree.SubElement(row, _w("tc"))
        _set(etree.SubElement(etree.SubElement(cell, _w("tcPr")), _w("tcW")), w=str(self._text_width), type="dxa")
        return cell

    def _paragraph(self, style_name: str | None, runs, space_after: int | None):
        from docx.oxml.parser import OxmlElement
        from lxml import etree

        p = OxmlElement("w:p")  # declares the w: prefix, which the sub-elements then share
        if style_name or space_after is not None:
            properties = etree.SubElement(p, _w("pPr"))  # children in the schema's order
            if style_name:
                etree.SubElement(properties, _w("pStyle")).set(_w("val"), self._style_id(style_name))
            if space_after is not None:
                etree.SubElement(properties, _w("spacing")).set(_w("after"), str(space_after))
        for text, bold, italic, monospace in runs:
            run = etree.SubElement(p, _w("r"))
            if bold or italic or monospace:
                run_properties = etree.SubElement(run, _w("rPr"))
                if monospace:
                    fonts = etree.SubElement(run_properties, _w("rFonts"))
                    fonts.set(_w("ascii"), "Courier New")
                    fonts.set(_w("hAnsi"), "Courier New")
                if bold:
                    etree.SubElement(run_properties, _w("b"))
                if italic:
                    etree.SubElement(run_properties, _w("i"))
            if (text, bold, italic, monospace) == LINE_BREAK:
                etree.SubElement(run, _w("br"))
            elif (text, bold, italic, monospace) == PAGE_BREAK:
                etree.SubElement(run, _w("br")).set(_w("type"), "page")
            else:
                for n, part in enumerate(text.split("\t")):
                    if n:
                        etree.SubElement(run, _w("tab"))
                    if part:
                        element = etree.SubElement(run, _w("t"))
                        element.text = part
                        if part != part.strip():
                            element.set(XML_SPACE, "preserve")
        return p

    def _insert(self, element):
        if self._section_properties is not None:
            self._section_properties.addprevious(element)
        else:
            self._body.append(element)
        return element

    def _style_id(self, style_name: str) -> str:
        if style_name not in self._style_ids:
            self._style_ids[style_name] = self.document.styles[style_name].style_id
        return self._style_ids[style_name]

    def save(self) -> bytes:
        return _save(self.document, self.options)


QUESTION_GAP_TWIPS = 200  # 10 pt
W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _w(tag: str) -> str:
    return f"{{{W_NAMESPACE}}}{tag}"


def _set(element, **attributes: str) -> None:
    for name, value in attributes.items():
        element.set(_w(name), value)


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
    names = set(styles.element.xpath("w:style/w:name/@w:val"))  # one query, not one per style

    def indent(fmt, left, hanging=None):
        fmt.left_indent = Cm(left)
        if hanging:
            fmt.first_line_indent = Cm(-hanging)
            fmt.tab_stops.add_tab_stop(Cm(left))

    def add(name, base, left, hanging=None, italic=None, size=None, space_before=None):
        if name in names:
            return
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        style.quick_style = True
        fmt = style.paragraph_format
        indent(fmt, left, hanging)
        fmt.space_after = Pt(0)
        if space_before is not None:
            fmt.space_before = Pt(space_before)
        if italic:
            style.font.italic = True
        if size:
            style.font.size = Pt(size)

    add(OPTION_STYLE, "Normal", left=OPTION_TEXT_CM, hanging=OPTION_TEXT_CM - STEM_TEXT_CM)
    add(RATIONALE_STYLE, "Normal", left=OPTION_TEXT_CM, italic=True, size=9)
    add(DETAILS_STYLE, "Normal", left=STEM_TEXT_CM, size=9, space_before=2)
    if own_template:
        # A user's template keeps its own list indents; ours line up with the wider stem numbers.
        _widen_list_number(document, Cm(STEM_TEXT_CM).twips)
        indent(styles[STATEMENT_STYLE].paragraph_format, OPTION_TEXT_CM, OPTION_TEXT_CM - STEM_TEXT_CM)
        indent(styles[CONTINUE_STYLE].paragraph_format, STEM_TEXT_CM)


# The stem's text starts here, after its number; the default template's
# 0.635 cm leaves no gap after "12." in LibreOffice. Option letters line up
# with the stem's text, option text a step further in.
STEM_TEXT_CM = 1.0
OPTION_TEXT_CM = 1.7


def _widen_list_number(document, indent_twips: int) -> None:
    """Give List Number's numbering level room for two- and three-digit numbers."""
    number_id = document.styles["List Number"].element.xpath("w:pPr/w:numPr/w:numId/@w:val")[0]
    numbering = document.part.numbering_part.element
    abstract_id = numbering.xpath(f'w:num[@w:numId="{number_id}"]/w:abstractNumId/@w:val')[0]
    level = numbering.xpath(f'w:abstractNum[@w:abstractNumId="{abstract_id}"]/w:lvl[@w:ilvl="0"]/w:pPr')[0]
    for tab in level.xpath('w:tabs/w:tab[@w:val="num"]'):
        tab.set(_w("pos"), str(indent_twips))
    for ind in level.xpath("w:ind"):
        _set(ind, left=str(indent_twips), hanging=str(indent_twips))


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
    with zipfile.ZipFile(raw) as source:
        names = sorted(source.namelist(), key=lambda name: (name != "[Content_Types].xml", name))
        return deterministic_zip([(name, source.read(name)) for name in names], options.timestamp)
