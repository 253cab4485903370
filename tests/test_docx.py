"""Word papers and keys, read back with python-docx."""

import io
import zipfile

import docx
import pytest
from conftest import drawn_variant

from qbank.formats import PaperOptions, get_format
from qbank.formats.paper_text import key_text
from qbank.markup import to_plain

writer = get_format("docx")


def read(data: bytes):
    return docx.Document(io.BytesIO(data))


@pytest.fixture
def paper(bank):
    return drawn_variant(bank, "C")


def question_blocks(document):
    """Paragraphs grouped per question: each List Number paragraph starts one."""
    blocks, current = [], None
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "List Number":
            current = [paragraph]
            blocks.append(current)
        elif current is not None and style in ("Option", "List 2", "List Continue", "Key Details", "Rationale"):
            current.append(paragraph)
        else:
            current = None
    return blocks


def test_paper_is_built_on_word_styles(paper):
    document = read(writer.write_paper(paper, PaperOptions()))
    styles = [p.style.name for p in document.paragraphs]
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
    document = read(writer.write_paper(paper, PaperOptions()))
    bold = {run.text for p in document.paragraphs for run in p.runs if run.bold}
    italic = {run.text for p in document.paragraphs for run in p.runs if run.italic}
    assert "right" in bold and "two" in italic and "all" in bold
    statements = [p.text for p in document.paragraphs if p.style.name == "List 2"]
    assert statements[:2] == ["1.\tUse a pencil", "2.\tNo phones"]  # the cover's instructions
    assert statements[2:5] == ["1.\tThe first statement", "2.\tThe second statement", "3.\tThe third statement"]


def test_questions_keep_with_next_so_they_never_split(paper):
    for data in (writer.write_paper(paper, PaperOptions()), writer.write_key(paper, PaperOptions())):
        for block in question_blocks(read(data)):
            assert len(block) > 2
            assert all(p.paragraph_format.keep_with_next for p in block[:-1])
            assert not block[-1].paragraph_format.keep_with_next
            assert all(p.paragraph_format.keep_together for p in block)


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
    text = "\n".join(p.text for p in document.paragraphs)
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
    assert all("Template body text" not in p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "Test exam"
