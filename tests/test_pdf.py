"""PDF papers and keys, read back the way a person would: page by page, as text."""

import io
import re
import sys
from pathlib import Path

import pypdf
import pytest
from conftest import drawn_variant

from qbank.bank import load_bank
from qbank.blueprint import blueprint_from_dict
from qbank.formats import PaperOptions, get_format
from qbank.formats.paper_text import key_text
from qbank.markup import to_plain
from qbank.select import select_papers

pdf = get_format("pdf")


def flat(text: str) -> str:
    return " ".join(text.split())


def pages_text(data: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def paper(bank):
    return drawn_variant(bank, "B")


def test_cover_then_questions_with_every_stem_and_option(paper, bank):
    pages = pages_text(pdf.write_paper(paper, PaperOptions()))
    cover = pages[0]
    for expected in ("Test exam", "Variant B", "Questions 10", "Time allowed 20 minutes", "Pass mark 7 of 10 marks (70%)",
                     "Name", "Candidate number", "Instructions", "Answer all questions.", "Use a pencil"):
        assert expected in cover
    body = " ".join(pages[1:])
    for number, item in enumerate(paper.items, start=1):
        assert flat(to_plain(item.question.stem).split("\n")[0]) in body
        assert f"{number}." in body
        for position, option in enumerate(item.options):
            assert f"{'ABCD'[position]}. {flat(to_plain(option.text))}" in body
    assert not any(flat(to_plain(item.question.stem)) in cover for item in paper.items)


def test_numbered_statement_lists_and_markup_are_rendered(paper):
    body = " ".join(pages_text(pdf.write_paper(paper, PaperOptions()))[1:])
    assert "1. The first statement 2. The second statement 3. The third statement" in body
    assert "**" not in body and "*two*" not in body and "which option is right?" in body


def test_greek_and_cyrillic_text_comes_out_as_text(paper):
    body = " ".join(pages_text(pdf.write_paper(paper, PaperOptions())))
    assert "Ελληνικά: αβγ" in body and "Кириллица" in body and "Ω omega" in body and "Ж zhe" in body


def test_every_page_has_title_variant_and_page_x_of_y(paper):
    pages = pages_text(pdf.write_paper(paper, PaperOptions(answer_sheet=True)))
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Test exam · Variant B" in text


def test_answer_sheet_adds_one_page_with_a_row_per_question(paper):
    without = pages_text(pdf.write_paper(paper, PaperOptions()))
    with_sheet = pages_text(pdf.write_paper(paper, PaperOptions(answer_sheet=True)))
    assert len(with_sheet) == len(without) + 1
    sheet = with_sheet[-1]
    assert "Answer sheet" in sheet and "Candidate number" in sheet
    assert re.search(r"\b10 A B C D\b", sheet)


def test_key_grid_on_page_one_then_the_debrief(paper, bank):
    pages = pages_text(pdf.write_key(paper, PaperOptions(syllabus=bank.syllabus)))
    grid = pages[0]
    assert "Answer key" in grid
    for number, item in enumerate(paper.items, start=1):
        assert re.search(rf"(^|\s){number} {re.escape(key_text(item))}(\s|$)", grid), (number, key_text(item))
    debrief = " ".join(pages[1:])
    for item in paper.items:
        section = bank.syllabus.find(item.question.syllabus[0])
        assert f"Key: {key_text(item)} · Syllabus: {section.id} {section.title} · Question id: {item.question.id}" in debrief
        for option in item.options:
            assert flat(option.rationale) in debrief


def test_same_paper_gives_identical_bytes(paper):
    options = PaperOptions(answer_sheet=True)
    assert pdf.write_paper(paper, options) == pdf.write_paper(paper, options)
    assert pdf.write_key(paper, options) == pdf.write_key(paper, options)


def test_a_question_is_never_split_across_pages(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
    from synthetic import make_bank

    bank = load_bank(make_bank(tmp_path / "synthetic", count=120, seed=3))
    blueprint = blueprint_from_dict({"schema_version": 1, "title": "Long paper", "sections": [{"count": 40}]})
    paper = select_papers(bank.questions, bank.syllabus, blueprint, 5, 1)[0]
    pages = pages_text(pdf.write_paper(paper, PaperOptions()))
    assert len(pages) > 4
    for item in paper.items:
        stem_start = flat(to_plain(item.question.stem))[:40]
        holding = [n for n, text in enumerate(pages) if stem_start in text]
        assert len(holding) == 1, item.question.id
        for option in item.options:
            assert flat(option.text) in pages[holding[0]], (item.question.id, option.text)


def test_another_font_can_be_used(paper, tmp_path):
    from importlib import resources

    font = tmp_path / "Other.ttf"
    font.write_bytes((resources.files("qbank") / "fonts" / "DejaVuSansMono.ttf").read_bytes())
    data = pdf.write_paper(paper, PaperOptions(font=str(font)))
    fonts = {str(f.get("/BaseFont")) for page in pypdf.PdfReader(io.BytesIO(data)).pages
             for f in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSansMono" in name for name in fonts)
    assert not any(name.endswith("DejaVuSans") or "DejaVuSans-Bold" in name for name in fonts)


def embedded_fonts(data: bytes) -> set[str]:
    return {str(f.get("/BaseFont")).split("+")[-1] for page in pypdf.PdfReader(io.BytesIO(data)).pages
            for f in page["/Resources"]["/Font"].values()}


def test_every_face_the_markup_reaches_is_embedded(paper):
    # Faces are loaded on demand, and reportlab quietly draws a face that was
    # never loaded in another one: each bold/italic combination must be found.
    from dataclasses import replace

    first = paper.items[0]
    options = tuple(replace(o, text=f"{o.text} **bold *and italic* bold**", rationale="A **strong** reason")
                    for o in first.question.options)
    question = replace(first.question, stem="Plain `code` stem", options=options)
    marked = replace(paper, items=(replace(first, question=question),) + paper.items[1:])
    plain = replace(paper, items=tuple(
        replace(item, question=replace(item.question, stem="Plain stem", explanation=None, options=tuple(
            replace(o, text=f"Option {n}", rationale="Because.") for n, o in enumerate(item.question.options))))
        for item in paper.items))
    assert embedded_fonts(pdf.write_paper(marked, PaperOptions())) >= {
        "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique", "DejaVuSansMono"}
    assert embedded_fonts(pdf.write_key(plain, PaperOptions())) >= {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}
    key_fonts = embedded_fonts(pdf.write_key(marked, PaperOptions()))
    assert "DejaVuSans-BoldOblique" in key_fonts  # **strong** inside an italic rationale
    assert "DejaVuSansMono" in key_fonts
