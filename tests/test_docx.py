"""Word papers and keys, read back with python-docx."""

import io
import zipfile

import docx
import pytest
from conftest import drawn_variant
from docx.shared import Cm, Emu
from docx.text.paragraph import Paragraph

from qbank.formats import PaperOptions, get_format
from qbank.formats.paper_text import key_text
from qbank.markup import to_plain

writer = get_format("docx")


def read(data: bytes):
    return docx.Document(io.BytesIO(data))


@pytest.fixture
def paper(bank):
    return drawn_variant(bank, "C")


def all_paragraphs(document):
    """Every paragraph in reading order, those in table cells included."""
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block
        else:
            for row in block.rows:
                for cell in row.cells:
                    yield from cell.paragraphs


def question_rows(document):
    """The table rows that hold a question: their cell starts with a List Number paragraph."""
    return [row for table in document.tables for row in table.rows
            if row.cells[0].paragraphs[0].style.name == "List Number"]


def question_blocks(document):
    return [row.cells[0].paragraphs for row in question_rows(document)]


def test_paper_is_built_on_word_styles(paper):
    document = read(writer.write_paper(paper, PaperOptions()))
    styles = [p.style.name for p in all_paragraphs(document)]
    assert styles[0] == "Title" and document.paragraphs[0].text == "Test exam"
    assert document.paragraphs[1].style.name == "Subtitle" and document.paragraphs[1].text == "Variant C"
    assert {"Heading 1", "List Number", "Option", "List 2"} <= set(styles)
    assert styles.count("List Number") == len(paper.items)


def test_every_stem_and_option_in_paper_order(paper):
    blocks = question_blocks(read(writer.write_paper(paper, PaperOptions())))
    assert len(blocks) == len(paper.items)
    for block, item in zip(blocks, paper.items):
        assert block[0].text == to_plain(item.question.stem).split("\n")[0]
        options = [p.text for p in block if p.style.name == "Option"]
        assert options == [f"{'ABCD'[n]}.\t{to_plain(o.text)}" for n, o in enumerate(item.options)]


def test_markup_becomes_runs_and_statement_lists_keep_their_numbers(paper):
    paragraphs = list(all_paragraphs(read(writer.write_paper(paper, PaperOptions()))))
    bold = {run.text for p in paragraphs for run in p.runs if run.bold}
    italic = {run.text for p in paragraphs for run in p.runs if run.italic}
    assert "right" in bold and "two" in italic and "all" in bold
    statements = [p.text for p in paragraphs if p.style.name == "List 2"]
    assert statements[:2] == ["1.\tUse a pencil", "2.\tNo phones"]  # the cover's instructions
    assert statements[2:5] == ["1.\tThe first statement", "2.\tThe second statement", "3.\tThe third statement"]


QUESTION_STYLES = {"List Number", "Option", "List Continue", "Key Details", "Rationale"}


@pytest.mark.parametrize("write", [writer.write_paper, writer.write_key], ids=["paper", "key"])
def test_every_question_is_one_row_that_cannot_split_across_pages(paper, bank, write):
    document = read(write(paper, PaperOptions(syllabus=bank.syllabus)))
    rows = question_rows(document)
    assert len(rows) == len(paper.items)
    for row, item in zip(rows, paper.items):
        assert row._tr.xpath("w:trPr/w:cantSplit"), "Word and LibreOffice may break this row across pages"
        paragraphs = row.cells[0].paragraphs
        assert [p.style.name for p in paragraphs].count("List Number") == 1
        assert [p.style.name for p in paragraphs].count("Option") == len(item.options)
        # In a table, keep-with-next keeps a row with the next row: all the questions would cling together.
        assert not any(p.paragraph_format.keep_with_next for p in paragraphs)
    loose = [p.text for p in all_paragraphs(document)
             if p.style.name in QUESTION_STYLES and not p._p.xpath("ancestor::w:tr[w:trPr/w:cantSplit]")]
    assert loose == []


def test_question_tables_are_borderless_and_full_width(paper):
    document = read(writer.write_paper(paper, PaperOptions()))
    tables = {id(row._parent._tbl): row._parent for row in question_rows(document)}.values()
    section = document.sections[0]
    text_width = Emu(section.page_width - section.left_margin - section.right_margin).twips
    assert len(tables) == 2  # one per section: a Heading 1 paragraph between them
    for table in tables:
        properties = table._tbl.tblPr
        assert set(properties.xpath("w:tblBorders/*/@w:val")) == {"nil"}
        assert properties.xpath("w:tblCellMar/w:left/@w:w") == ["0"]
        assert table._tbl.xpath("w:tblGrid/w:gridCol/@w:w") == [str(text_width)]


def list_number_level(document):
    number_id = document.styles["List Number"].element.xpath("w:pPr/w:numPr/w:numId/@w:val")[0]
    numbering = document.part.numbering_part.element
    abstract_id = numbering.xpath(f'w:num[@w:numId="{number_id}"]/w:abstractNumId/@w:val')[0]
    return numbering.xpath(f'w:abstractNum[@w:abstractNumId="{abstract_id}"]/w:lvl[@w:ilvl="0"]/w:pPr')[0]


def test_question_numbers_have_room_for_two_digits_and_options_line_up(paper):
    document = read(writer.write_paper(paper, PaperOptions()))
    level = list_number_level(document)
    left, hanging = (int(level.xpath(f"w:ind/@w:{name}")[0]) for name in ("left", "hanging"))
    assert left == hanging >= Cm(1).twips  # "12." and "100." are narrower than 1 cm
    assert level.xpath('w:tabs/w:tab[@w:val="num"]/@w:pos') == [str(left)]
    for style in ("Option", "List 2"):
        fmt = document.styles[style].paragraph_format
        assert Emu(fmt.left_indent + fmt.first_line_indent).twips == Cm(1).twips  # the letter or number under the stem's text
    for style in ("Key Details", "List Continue"):
        assert document.styles[style].paragraph_format.left_indent.twips == Cm(1).twips


def test_a_template_keeps_its_own_list_numbering(paper, tmp_path):
    template = docx.Document()
    path = tmp_path / "house-style.docx"
    template.save(path)
    document = read(writer.write_paper(paper, PaperOptions(docx_template=str(path))))
    assert document.part.numbering_part.blob == template.part.numbering_part.blob
    assert document.styles["List 2"].paragraph_format.left_indent == template.styles["List 2"].paragraph_format.left_indent


def test_key_has_a_table_of_keys_then_rationales(paper, bank):
    document = read(writer.write_key(paper, PaperOptions(syllabus=bank.syllabus)))
    assert document.paragraphs[0].text == "Answer key" and document.paragraphs[0].style.name == "Title"
    table = document.tables[0]
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0][:2] == ["No.", "Key"]
    keys = {}
    for row in cells[1:]:
        for n in range(0, len(row), 2):
            if row[n]:
                keys[int(row[n])] = row[n + 1]
    assert keys == {n: key_text(item) for n, item in enumerate(paper.items, start=1)}
    text = "\n".join(p.text for p in all_paragraphs(document))
    for item in paper.items:
        assert f"Question id: {item.question.id}" in text
        for option in item.options:
            assert option.rationale in text


def test_answer_sheet_is_a_table_of_bubbles(paper):
    document = read(writer.write_paper(paper, PaperOptions(answer_sheet=True)))
    assert any(p.text == "Answer sheet" for p in document.paragraphs)
    sheet = document.tables[-1]
    texts = [cell.text for row in sheet.rows for cell in row.cells]
    assert texts.count("○\u00a0A") == len(paper.items)


def test_page_x_of_y_footer_and_running_header(paper):
    document = read(writer.write_paper(paper, PaperOptions()))
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "Test exam · Variant C"
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert 'w:instr=" PAGE "' in footer_xml and 'w:instr=" NUMPAGES "' in footer_xml


def test_identical_bytes_fixed_dates_and_zip_stamps(paper):
    first = writer.write_paper(paper, PaperOptions())
    assert first == writer.write_paper(paper, PaperOptions())
    later = writer.write_paper(paper, PaperOptions(timestamp=1_700_000_000))
    assert later != first
    properties = read(later).core_properties
    assert properties.created.year == 2023 and properties.modified == properties.created
    assert properties.revision == 1 and properties.last_modified_by == "qbank"
    with zipfile.ZipFile(io.BytesIO(later)) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_a_style_template_is_used(paper, tmp_path):
    from docx.shared import Pt

    template = docx.Document()
    template.styles["Title"].font.size = Pt(40)
    template.add_paragraph("Template body text that must not appear")
    path = tmp_path / "house-style.docx"
    template.save(path)
    document = read(writer.write_paper(paper, PaperOptions(docx_template=str(path))))
    assert document.styles["Title"].font.size == Pt(40)
    assert all("Template body text" not in p.text for p in all_paragraphs(document))
    assert document.paragraphs[0].text == "Test exam"
