"""Printable PDF papers and answer keys, laid out with reportlab platypus.

``write_paper`` gives a cover page, the numbered questions (each kept on
one page) and, if asked, an answer sheet with a bubble grid;
``write_key`` a one-page answer grid followed by every question with its
key, each option's rationale, its syllabus section and id. Every page has
the exam title, the variant and "Page X of Y".

Output is byte-identical for the same inputs: reportlab's invariant mode
fixes the document id and dates (it reads SOURCE_DATE_EPOCH itself).
Text uses the bundled DejaVu Sans (Latin, Greek, Cyrillic) unless
``PaperOptions.font`` names another TrueType font.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from qbank import markup
from qbank.formats import PaperOptions
from qbank.formats.paper_text import (
    ANSWER_SHEET_NOTE, ANSWER_SHEET_TITLE, CANDIDATE_FIELDS, DEBRIEF_TITLE, KEY_TITLE, PAGE_OF,
    choose_hint, cover_facts, key_details, key_text, letter, running_title,
)
from qbank.model import Paper

BUNDLED_FAMILY = "QbankSans"
BUNDLED_MONO = "QbankMono"
# Colours as hex strings; _colors() turns them into reportlab Color objects
# once, because parsing a string per paragraph costs measurable time.
INK_HEX, GREY_HEX, RATIONALE_HEX, RULE_HEX, SHADE_HEX = "#1a1a1a", "#666666", "#444444", "#bbbbbb", "#e8e8e8"
MONO_FACE = "Mono"
_FACE_OF = {(False, False): "", (True, False): "-Bold", (False, True): "-Italic", (True, True): "-BoldItalic"}


def write_paper(paper: Paper, options: PaperOptions = PaperOptions()) -> bytes:
    styles = _styles(options.font)
    _register_fonts(options.font, _faces_used(paper, key=False))
    story = _cover(paper, styles)
    current_section = None
    for number, item in enumerate(paper.items, start=1):
        heading = None
        if item.section_title and item.section_title != current_section:
            heading = _paragraph(escape(item.section_title), styles["section"])
            current_section = item.section_title
        story.append(_question_block(number, item, styles, heading=heading))
    if options.answer_sheet:
        story += _answer_sheet(paper, styles)
    return _build(story, running_title(paper), styles["family"])


def write_key(paper: Paper, options: PaperOptions = PaperOptions()) -> bytes:
    from reportlab.platypus import KeepTogether, PageBreak, Spacer

    styles = _styles(options.font)
    _register_fonts(options.font, _faces_used(paper, key=True))
    story = [
        _paragraph(escape(KEY_TITLE), styles["title"]),
        _paragraph(escape(paper.blueprint.title), styles["subtitle"]),
        _paragraph(" · ".join(f"{escape(label)}: <b>{escape(value)}</b>" for label, value in cover_facts(paper)), styles["body"]),
        Spacer(1, 12),
        _key_grid(paper, styles),
        PageBreak(),
        _paragraph(escape(DEBRIEF_TITLE), styles["section"]),
    ]
    for number, item in enumerate(paper.items, start=1):
        parts = _stem(number, item, styles)
        parts.append(_paragraph(escape(key_details(item, options.syllabus)), styles["details"]))
        for position, option in enumerate(item.options):
            mark = "✔ " if option.correct else ""
            text = _flat_xml(option.text, styles["mono"])
            parts.append(_paragraph(f"<b>{mark}</b>{text}" if option.correct else text, styles["option"],
                                    bullet=f"{letter(position)}."))
            if option.rationale:
                parts.append(_paragraph(_flat_xml(option.rationale, styles["mono"]), styles["rationale"]))
        if item.question.explanation:
            parts.append(_paragraph("<i>Explanation:</i> " + _flat_xml(item.question.explanation, styles["mono"]), styles["rationale"]))
        story.append(KeepTogether(parts))
    return _build(story, running_title(paper, key=True), styles["family"])


# -- building blocks ---------------------------------------------------------------


def _cover(paper: Paper, styles) -> list:
    from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

    blueprint = paper.blueprint
    story = [Spacer(1, 40), _paragraph(escape(blueprint.title), styles["title"]),
             _paragraph(f"Variant {escape(paper.variant)}", styles["subtitle"]), Spacer(1, 18)]
    facts = Table([[_paragraph(escape(label), styles["body"]), _paragraph(f"<b>{escape(value)}</b>", styles["body"])]
                   for label, value in cover_facts(paper)], colWidths=[120, 300], hAlign="LEFT")
    facts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [facts, Spacer(1, 24), _candidate_boxes(styles), Spacer(1, 24)]
    if blueprint.instructions:
        story.append(_paragraph("Instructions", styles["section"]))
        story += _blocks(blueprint.instructions, styles["instructions"], styles["list"], styles["mono"])
    story.append(PageBreak())
    return story


def _candidate_boxes(styles):
    """Labelled boxes for the candidate's name and a digit-per-box candidate number."""
    from reportlab.platypus import Table, TableStyle

    digits = 10
    name_label, number_label = (_paragraph(escape(label), styles["body"]) for label in CANDIDATE_FIELDS)
    rows = [[name_label] + [""] * digits, [number_label] + [""] * digits]
    table = Table(rows, colWidths=[120] + [24] * digits, rowHeights=[28, 28], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("SPAN", (1, 0), (-1, 0)),
        ("BOX", (1, 0), (-1, 0), 0.8, _color(INK_HEX)),
        ("GRID", (1, 1), (-1, 1), 0.8, _color(INK_HEX)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
    ]))
    return table


def _question_block(number: int, item, styles, heading=None):
    from reportlab.platypus import KeepTogether

    parts = [heading] if heading is not None else []
    parts += _stem(number, item, styles)
    for position, option in enumerate(item.options):
        parts.append(_paragraph(_flat_xml(option.text, styles["mono"]), styles["option"], bullet=f"{letter(position)}."))
    return KeepTogether(parts)


def _stem(number: int, item, styles) -> list:
    """The numbered stem: first paragraph carries the number, lists are indented."""
    flowables = _blocks(item.question.stem, styles["stem_more"], styles["list"], styles["mono"])
    hint = choose_hint(item)
    if hint:
        flowables.append(_paragraph(f"<b>{escape(hint)}</b>", styles["stem_more"]))
    first = flowables[0]
    if getattr(first, "bulletText", None) is None and first.style is styles["stem_more"]:
        flowables[0] = _paragraph(first.text, styles["stem"], bullet=f"{number}.")
    else:
        flowables.insert(0, _paragraph("", styles["stem"], bullet=f"{number}."))
    return flowables


def _answer_sheet(paper: Paper, styles) -> list:
    from reportlab.platypus import PageBreak, Spacer

    questions = [(n, len(item.options)) for n, item in enumerate(paper.items, start=1)]
    return [PageBreak(), _paragraph(escape(ANSWER_SHEET_TITLE), styles["title"]),
            _paragraph(f"{escape(paper.blueprint.title)} · Variant {escape(paper.variant)}", styles["body"]),
            Spacer(1, 12), _candidate_boxes(styles), Spacer(1, 12),
            _paragraph(escape(ANSWER_SHEET_NOTE), styles["body"]), Spacer(1, 12), _bubble_grid(questions, styles["family"])]


def _key_grid(paper: Paper, styles):
    """Question → key letter, filled column by column, five pairs across."""
    from reportlab.platypus import Table, TableStyle

    pairs = 5
    rows = math.ceil(len(paper.items) / pairs)
    data = [["No.", "Key"] * pairs]
    for row in range(rows):
        cells = []
        for column in range(pairs):
            index = column * rows + row
            if index < len(paper.items):
                cells += [str(index + 1), key_text(paper.items[index])]
            else:
                cells += ["", ""]
        data.append(cells)
    table = Table(data, colWidths=[38, 58] * pairs, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), styles["family"]),
        ("FONTNAME", (0, 0), (-1, 0), styles["family"] + "-Bold"),
        *[("FONTNAME", (2 * c + 1, 1), (2 * c + 1, -1), styles["family"] + "-Bold") for c in range(pairs)],
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, _color(GREY_HEX)),
        ("BACKGROUND", (0, 0), (-1, 0), _color(SHADE_HEX)),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
    ]))
    return table


# -- markup → platypus -----------------------------------------------------------------


def _blocks(text: str, paragraph_style, list_style, mono: str) -> list:
    out = []
    for block in markup.parse(text):
        if isinstance(block, markup.Paragraph):
            out.append(_paragraph(_inline_xml(block.children, mono), paragraph_style))
        else:
            for n, item in enumerate(block.items, start=block.start):
                out.append(_paragraph(_inline_xml(item, mono), list_style, bullet=f"{n}." if block.ordered else "•"))
    return out


def _flat_xml(text: str, mono: str) -> str:
    """Markup as one paragraph's XML (options and rationales are short)."""
    lines = []
    for block in markup.parse(text):
        if isinstance(block, markup.Paragraph):
            lines.append(_inline_xml(block.children, mono))
        else:
            for n, item in enumerate(block.items, start=block.start):
                lines.append((f"{n}. " if block.ordered else "• ") + _inline_xml(item, mono))
    return "<br/>".join(lines)


def _inline_xml(nodes, mono: str) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, markup.Text):
            parts.append(escape(node.text))
        elif isinstance(node, markup.Code):
            parts.append(f'<font face="{mono}">{escape(node.text)}</font>')
        elif isinstance(node, markup.LineBreak):
            parts.append("<br/>")
        elif isinstance(node, markup.Strong):
            parts.append(f"<b>{_inline_xml(node.children, mono)}</b>")
        elif isinstance(node, markup.Emphasis):
            parts.append(f"<i>{_inline_xml(node.children, mono)}</i>")
        else:  # a new node type must be rendered, never dropped
            raise TypeError(f"no PDF rendering for {type(node).__name__}")
    return "".join(parts)


def _paragraph(xml: str, style, bullet: str | None = None):
    return _paragraph_class()(xml, style, bulletText=bullet)


@lru_cache(maxsize=None)
def _paragraph_class():
    from reportlab.platypus import Paragraph

    class OnceWrappedParagraph(Paragraph):
        """Breaks its lines once per width.

        KeepTogether measures each question and the frame then wraps the
        same paragraphs again at the same width; line breaking is most of
        the cost of a page, so the second time returns the first result.
        """

        _wrapped_width = None

        def wrap(self, available_width, available_height):
            if available_width == self._wrapped_width:
                return self.width, self.height
            size = super().wrap(available_width, available_height)
            self._wrapped_width = available_width
            return size

    return OnceWrappedParagraph


# -- fonts, styles, page furniture ----------------------------------------------------------


@lru_cache(maxsize=None)
def _color(hex_value: str):
    from reportlab.lib.colors import HexColor

    return HexColor(hex_value)


@lru_cache(maxsize=None)
@lru_cache(maxsize=None)
def _font_files(font: str | None) -> tuple[str, str, dict[str, Path], Path]:
    """The family and monospace names for ``font`` and the file of each face; nothing loaded yet.

    Without ``font``: the bundled DejaVu Sans. With it: that file, its
    siblings NAME-Bold/-Italic/-Oblique/-BoldItalic/-BoldOblique when they
    exist (else the file itself), and the file again as monospace. Each
    font gets its own registered names, so papers with different fonts can
    be made in one process.
    """
    bundled = resources.files("qbank") / "fonts"
    if font:
        regular = Path(font)
        if not regular.is_file():
            from qbank.errors import FormatError

            raise FormatError(f"{font}: no such font file; pass a TrueType (.ttf) font with --font")
        stem = regular.stem.removesuffix("-Regular")
        faces = {"": regular}
        for face, suffixes in (("-Bold", ("-Bold",)), ("-Italic", ("-Italic", "-Oblique")),
                               ("-BoldItalic", ("-BoldItalic", "-BoldOblique"))):
            found = [regular.with_name(stem + s + regular.suffix) for s in suffixes]
            faces[face] = next((f for f in found if f.is_file()), regular)
        mono = regular
        # Registered names stay inside reportlab (the PDF names fonts by
        # their own PostScript names), so a counter is as good as any.
        number = _font_files.cache_info().currsize
        family, mono_name = f"QbankFont{number}", f"QbankFont{number}Mono"
    else:
        faces = {"": bundled / "DejaVuSans.ttf", "-Bold": bundled / "DejaVuSans-Bold.ttf",
                 "-Italic": bundled / "DejaVuSans-Oblique.ttf", "-BoldItalic": bundled / "DejaVuSans-BoldOblique.ttf"}
        mono = bundled / "DejaVuSansMono.ttf"
        family, mono_name = BUNDLED_FAMILY, BUNDLED_MONO
    return family, mono_name, faces, mono


@lru_cache(maxsize=None)
def _register_face(font: str | None, face: str) -> None:
    """Load one face ("", "-Bold", "-Italic", "-BoldItalic", or MONO_FACE) once per process.

    Parsing a TrueType file is the dearest part of a small build (DejaVu:
    tens of milliseconds a face), and most papers use only two or three of
    the five faces, so each is loaded when a document first needs it.
    """
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    family, mono_name, faces, mono = _font_files(font)
    name, path = (mono_name, mono) if face == MONO_FACE else (family + face, faces[face])
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except Exception as error:  # reportlab raises TTFError and others for unreadable fonts
        from qbank.errors import FormatError

        raise FormatError(f"{font}: not a TrueType font reportlab can embed: {error}") from None
    # registerFont maps a new font's bold and italic to itself, which would make
    # <b> inside an italic paragraph stay italic; the family's mapping comes last.
    for bold, italic, face in ((0, 0, ""), (1, 0, "-Bold"), (0, 1, "-Italic"), (1, 1, "-BoldItalic")):
        addMapping(family, bold, italic, family + face)
        addMapping(mono_name, bold, italic, mono_name)


def _register_fonts(font: str | None, faces) -> tuple[str, str]:
    """Register the given faces of ``font``; returns the family and mono names."""
    family, mono_name, _, _ = _font_files(font)
    for face in faces:
        _register_face(font, face)
    return family, mono_name


def _faces_used(paper: Paper, key: bool) -> list[str]:
    """The faces a paper (or its key) draws with, as reportlab will resolve them.

    Every document uses the regular and bold faces (body, titles, numbers);
    the key's rationales are italic. Markup adds a face for each bold/italic
    combination its text reaches, and monospace for code.
    """
    used = {"", "-Bold", "-Italic"} if key else {"", "-Bold"}

    def walk(nodes, bold: bool, italic: bool) -> None:
        for node in nodes:
            if isinstance(node, markup.Code):
                used.add(MONO_FACE)
            elif isinstance(node, (markup.Strong, markup.Emphasis)):
                inner_bold = bold or isinstance(node, markup.Strong)
                inner_italic = italic or isinstance(node, markup.Emphasis)
                used.add(_FACE_OF[inner_bold, inner_italic])
                walk(node.children, inner_bold, inner_italic)

    def text(value: str | None, italic: bool = False) -> None:
        if value and markup.has_markup(value):
            for block in markup.parse(value):
                for inlines in ([block.children] if isinstance(block, markup.Paragraph) else block.items):
                    walk(inlines, False, italic)

    if not key:
        text(paper.blueprint.instructions)
    for item in paper.items:
        text(item.question.stem)
        for option in item.options:
            text(option.text)
            if key:
                text(option.rationale, italic=True)
        if key:
            text(item.question.explanation, italic=True)
    return sorted(used)


@lru_cache(maxsize=None)
def _styles(font: str | None) -> dict:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    family, mono, _, _ = _font_files(font)
    base = ParagraphStyle("body", fontName=family, fontSize=10.5, leading=14.5, textColor=_color(INK_HEX), bulletFontName=family,
                          bulletFontSize=10.5)
    return {
        "family": family,
        "mono": mono,
        "body": base,
        "instructions": ParagraphStyle("instructions", base, spaceBefore=6),
        "title": ParagraphStyle("title", base, fontName=f"{family}-Bold", fontSize=22, leading=28, alignment=TA_CENTER,
                                spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=15, leading=20, alignment=TA_CENTER, spaceAfter=6),
        "section": ParagraphStyle("section", base, fontName=f"{family}-Bold", fontSize=13, leading=17, spaceBefore=10,
                                  spaceAfter=4, keepWithNext=1),
        "stem": ParagraphStyle("stem", base, leftIndent=24, bulletIndent=0, spaceBefore=12, bulletFontName=f"{family}-Bold"),
        "stem_more": ParagraphStyle("stem_more", base, leftIndent=24, spaceBefore=4),
        "list": ParagraphStyle("list", base, leftIndent=44, bulletIndent=28, spaceBefore=2),
        "option": ParagraphStyle("option", base, leftIndent=44, bulletIndent=24, spaceBefore=3),
        "details": ParagraphStyle("details", base, fontSize=9, leading=12, textColor=_color(GREY_HEX), leftIndent=24, spaceBefore=3,
                                  spaceAfter=2),
        "rationale": ParagraphStyle("rationale", base, fontName=f"{family}-Italic", fontSize=9, leading=12,
                                    textColor=_color(RATIONALE_HEX), leftIndent=44),
    }


def _build(story: list, header: str, family: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=22 * mm, bottomMargin=20 * mm,
        title=header, author="qbank", creator="qbank", subject=header, invariant=1,
    )
    document.build(story, canvasmaker=_numbered_canvas(header, family))
    return buffer.getvalue()


def _numbered_canvas(header: str, family: str):
    """A canvas class that holds pages back until it knows their count, for "Page X of Y"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._furniture(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _furniture(self, number, total):
            width, height = A4
            self.saveState()
            self.setFont(family, 8.5)
            self.setFillColor(_color(GREY_HEX))
            self.setStrokeColor(_color(RULE_HEX))
            self.drawString(20 * mm, height - 14 * mm, header)
            self.line(20 * mm, height - 15.5 * mm, width - 20 * mm, height - 15.5 * mm)
            self.drawRightString(width - 20 * mm, 11 * mm, PAGE_OF.format(page=number, pages=total))
            self.restoreState()

    return NumberedCanvas


def _bubble_grid(questions: list[tuple[int, int]], family: str):
    """A grid of lettered bubbles, question numbers down the columns; splits across pages."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Flowable

    row_height = 7.5 * mm
    bubble = 2.6 * mm
    pitch = 7 * mm
    widest = max((count for _, count in questions), default=4)
    column_width = 12 * mm + widest * pitch + 6 * mm

    class BubbleGrid(Flowable):
        def __init__(self, questions):
            super().__init__()
            self.questions = questions

        def _layout(self, width):
            columns = max(1, int(width // column_width))
            return columns, math.ceil(len(self.questions) / columns)

        def wrap(self, available_width, available_height):
            self.columns, self.rows = self._layout(available_width)
            return available_width, self.rows * row_height

        def split(self, available_width, available_height):
            columns, _ = self._layout(available_width)
            rows = int(available_height // row_height)
            if rows < 1:
                return []
            fits = rows * columns
            if fits >= len(self.questions):
                return [self]
            return [BubbleGrid(self.questions[:fits]), BubbleGrid(self.questions[fits:])]

        def draw(self):
            canvas = self.canv
            for index, (number, count) in enumerate(self.questions):
                column, row = divmod(index, self.rows)
                x = column * column_width
                y = (self.rows - row - 1) * row_height + row_height / 2
                canvas.setFont(f"{family}-Bold", 9.5)
                canvas.setFillColor(_color(INK_HEX))
                canvas.drawRightString(x + 9 * mm, y - 3.3, str(number))
                canvas.setFont(family, 6.5)
                canvas.setStrokeColor(_color(INK_HEX))
                canvas.setLineWidth(0.6)
                for position in range(count):
                    cx = x + 12 * mm + position * pitch + bubble
                    canvas.circle(cx, y, bubble, stroke=1, fill=0)
                    canvas.setFillColor(_color(GREY_HEX))
                    canvas.drawCentredString(cx, y - 2.3, letter(position))
                    canvas.setFillColor(_color(INK_HEX))

    return BubbleGrid(questions)
