import importlib.util
import io
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, SHIPPED_BANK, conformance_dir, make_question
from qbank.bank import load_bank
from qbank.errors import FormatError
from qbank.formats import ExportOptions, Pool, qti
from qbank.formats.xmltext import InvalidXmlText
from qbank.markup import Code, LineBreak, Paragraph, Text, parse
from qbank.model import Option, Section, Syllabus

NS = {"q": qti.QTI_NS, "cp": qti.CP_NS, "lom": qti.LOM_NS, "m": qti.QTI_META_NS}
SYLLABUS = Syllabus(id="s", title="Course", sections=(Section("1", "Basics"), Section("2", "More")))
CONFORMANCE = conformance_dir()


@pytest.fixture(scope="module")
def validator():
    """The official-schema validator from shared/conformance (never copied into the repo)."""
    if CONFORMANCE is None:
        pytest.skip("shared/conformance/ is not beside the repository, so the QTI 2.1 / IMS CP "
                    "schemas and validate_qti.py are not available")
    spec = importlib.util.spec_from_file_location("validate_qti", CONFORMANCE / "validate_qti.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    schemas = module.Schemas(CONFORMANCE / "schemas") if _takes_dir(module) else module.Schemas()

    def check(data: bytes, tmp_path):
        path = tmp_path / "package.zip"
        path.write_bytes(data)
        report = module.validate_package(str(path), schemas=schemas)
        problems = list(report.errors) + list(report.warnings)
        assert report.ok and not problems, "\n".join(map(str, problems))

    return check


def _takes_dir(module):
    import inspect

    return bool(inspect.signature(module.Schemas).parameters)


def package(questions, options=ExportOptions(), syllabus=SYLLABUS) -> dict[str, bytes]:
    data = qti.write_questions(questions, syllabus, options)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def item(questions, ident) -> ET.Element:
    return ET.fromstring(package(questions)[f"items/{ident}.xml"])


def test_mini_bank_package_validates(validator, tmp_path):
    bank = load_bank(FIXTURES / "mini")
    validator(qti.write_questions(bank.questions, bank.syllabus, ExportOptions()), tmp_path)


def test_shipped_bank_package_validates(validator, tmp_path):
    if not (SHIPPED_BANK / "syllabus.json").is_file() or not any(SHIPPED_BANK.rglob("*-*.json")):
        pytest.skip("the ITIL 4 sample bank has no questions in this checkout")
    bank = load_bank(SHIPPED_BANK)
    validator(qti.write_questions(bank.questions, bank.syllabus, ExportOptions()), tmp_path)


def test_every_shape_validates(validator, tmp_path):
    options = make_question().options
    questions = [
        make_question("q-single", points=2, explanation="General **feedback**."),
        make_question("q-multi", qtype="multiple", keys=(0, 2), count=5, syllabus=("2",)),
        make_question("q-tf", qtype="truefalse", keys=(1,)),
        make_question("q-bare", options=tuple(replace(o, rationale=None) for o in options)),
        make_question("q-fixed", stem="Which are **true**?\n\n1. `one`\n2. *two*\nthree",
                      options=options[:3] + (replace(options[3], text="All of the above\nreally", fixed=True),)),
        make_question("7-digits-first"),
    ]
    validator(qti.write_questions(questions, SYLLABUS, ExportOptions()), tmp_path)
    pools = (Pool("Basics", 2, ("q-single", "q-tf", "q-bare")), Pool("More", 1, ("q-multi",)))
    validator(qti.write_questions(questions, SYLLABUS, ExportOptions(pools=pools)), tmp_path)
    validator(qti.write_questions(questions, SYLLABUS, ExportOptions(category="Paper A")), tmp_path)


def test_the_validator_is_not_a_rubber_stamp(validator, tmp_path):
    files = package([make_question()])
    broken = files["items/q-001.xml"].replace(b'cardinality="single"', b'cardinality="one"', 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, broken if name == "items/q-001.xml" else data)
    with pytest.raises(AssertionError, match="cardinality"):
        validator(buffer.getvalue(), tmp_path)


def test_package_layout_and_manifest_metadata():
    question = make_question("q-001", syllabus=("2",), tags=("definition",), difficulty="hard", bloom="apply")
    files = package([question])
    assert list(files) == ["imsmanifest.xml", "assessment-test.xml", "items/q-001.xml"]
    manifest = ET.fromstring(files["imsmanifest.xml"])
    resource = manifest.find(".//cp:resource[@type='imsqti_item_xmlv2p1']", NS)
    assert resource.get("href") == "items/q-001.xml"
    assert resource.find(".//lom:entry", NS).text == "q-001"
    assert resource.find(".//lom:keyword/lom:string", NS).text == "definition"
    assert resource.find(".//lom:difficulty/lom:value", NS).text == "difficult"
    taxa = [t.findtext("lom:id", namespaces=NS) for t in resource.iterfind(".//lom:taxon", NS)]
    assert taxa == ["2", "apply"]
    assert resource.find(".//m:interactionType", NS).text == "choiceInteraction"
    test = manifest.find(".//cp:resource[@type='imsqti_test_xmlv2p1']", NS)
    assert [d.get("identifierref") for d in test.iterfind("cp:dependency", NS)] == ["item-q-001"]


def test_single_item_scores_points_and_keys_feedback_by_choice():
    root = item([make_question("q-001", keys=(2,), points=2, explanation="Why.")], "q-001")
    assert root.find("q:responseDeclaration", NS).get("cardinality") == "single"
    assert [v.text for v in root.iterfind(".//q:correctResponse/q:value", NS)] == ["C"]
    interaction = root.find(".//q:choiceInteraction", NS)
    assert interaction.get("maxChoices") == "1" and interaction.get("shuffle") == "true"
    assert root.find("q:outcomeDeclaration[@identifier='MAXSCORE']//q:value", NS).text == "2"
    feedback = {f.get("identifier"): "".join(f.itertext()).strip() for f in root.iterfind("q:modalFeedback", NS)}
    assert feedback == {"A": "Rationale A.", "B": "Rationale B.", "C": "Rationale C.", "D": "Rationale D.",
                        "EXPLANATION": "Why."}
    assert root.find("q:responseProcessing", NS).get("template") is None  # feedback needs its own processing


def test_multiple_item_has_a_mapping_with_moodles_shares():
    root = item([make_question("q-m", qtype="multiple", keys=(0, 1), count=5, points=3)], "q-m")
    assert root.find("q:responseDeclaration", NS).get("cardinality") == "multiple"
    assert root.find(".//q:choiceInteraction", NS).get("maxChoices") == "0"
    mapping = root.find(".//q:mapping", NS)
    assert (mapping.get("lowerBound"), mapping.get("upperBound")) == ("0", "3")
    values = {e.get("mapKey"): float(e.get("mappedValue")) for e in mapping}
    assert values == pytest.approx({"A": 1.5, "B": 1.5, "C": -1.0, "D": -1.0, "E": -1.0})


def test_a_question_without_feedback_uses_the_standard_templates():
    bare = tuple(replace(o, rationale=None) for o in make_question().options)
    single = item([make_question("q-s", options=bare)], "q-s")
    assert single.find("q:responseProcessing", NS).get("template").endswith("/rptemplates/match_correct")
    multiple = item([make_question("q-m", qtype="multiple", options=tuple(replace(o, correct=n < 2) for n, o in enumerate(bare)))], "q-m")
    assert multiple.find("q:responseProcessing", NS).get("template").endswith("/rptemplates/map_response")


def test_inline_markup_gets_no_added_spaces():
    root = item([make_question(stem="**a***b*`c`\n\n- **x**\n- y")], "q-001")
    paragraph, bullets = root.find("q:itemBody", NS)[:2]
    assert paragraph.text is None
    assert [(c.tag.split("}")[1], c.text, c.tail) for c in paragraph] == \
        [("strong", "a", None), ("em", "b", None), ("code", "c", None)]
    assert "".join(bullets.find("q:li", NS).itertext()) == "x"


def test_fixed_options_stay_fixed():
    options = make_question().options
    root = item([make_question(options=options[:3] + (replace(options[3], fixed=True),))], "q-001")
    assert [c.get("fixed") for c in root.iterfind(".//q:simpleChoice", NS)] == [None, None, None, "true"]


def test_test_sections_per_syllabus_section_paper_and_pools():
    questions = [make_question("q-2", syllabus=("2",)), make_question("q-1"), make_question("q-3")]
    test = ET.fromstring(package(questions)["assessment-test.xml"])
    sections = [(s.get("title"), [r.get("identifier") for r in s.iterfind("q:assessmentItemRef", NS)])
                for s in test.iterfind(".//q:assessmentSection", NS)]
    assert sections == [("1 Basics", ["q-1", "q-3"]), ("2 More", ["q-2"])]
    test = ET.fromstring(package(questions, ExportOptions(category="Paper A"))["assessment-test.xml"])
    assert [r.get("identifier") for r in test.iterfind(".//q:assessmentItemRef", NS)] == ["q-2", "q-1", "q-3"]
    pools = (Pool("Part 1", 2, ("q-1", "q-3", "q-2")),)
    test = ET.fromstring(package(questions, ExportOptions(pools=pools))["assessment-test.xml"])
    section = test.find(".//q:assessmentSection", NS)
    assert section.find("q:selection", NS).get("select") == "2"
    assert section.find("q:ordering", NS).get("shuffle") == "true"
    with pytest.raises(FormatError, match="draws 4 questions but only 3 match"):
        qti.write_questions(questions, SYLLABUS, ExportOptions(pools=(Pool("Part 1", 4, ("q-1", "q-2", "q-3")),)))


def test_identifiers_are_stable_ncnames():
    assert qti.identifier("itil4f-2-4-001") == "itil4f-2-4-001"
    assert qti.identifier("2-4-001") == "Q2-4-001"
    assert re.fullmatch(r"[A-Za-z_][\w.-]*", qti.identifier("é x/y"))
    assert [qti.choice_identifier(n) for n in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]
    files = package([make_question("2-4-001")])
    assert "items/Q2-4-001.xml" in files


def test_package_is_byte_identical_and_honours_source_date_epoch(monkeypatch):
    questions = [make_question("q-1"), make_question("q-2", qtype="multiple", keys=(0, 1))]
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = qti.write_questions(questions, SYLLABUS, ExportOptions())
    assert first == qti.write_questions(questions, SYLLABUS, ExportOptions())
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    with zipfile.ZipFile(io.BytesIO(qti.write_questions(questions, SYLLABUS, ExportOptions()))) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}


def test_xml_invalid_characters_are_an_error():
    with pytest.raises(InvalidXmlText, match=r"q-001: stem contains the character U\+0007"):
        qti.write_questions([make_question(stem="bell \x07")], SYLLABUS, ExportOptions())


def visible_text(text: str) -> str:
    """What a reader sees of ``text``, ignoring markup and line breaks: from our own parser."""
    out = []

    def walk(nodes):
        for node in nodes:
            if isinstance(node, (Text, Code)):
                out.append(node.text)
            elif isinstance(node, LineBreak):
                pass
            else:
                walk(node.children)

    for block in parse(text):
        walk(block.children if isinstance(block, Paragraph) else [n for i in block.items for n in i])
    return "".join(out).strip()  # leading and trailing white space is not content


xml_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\ufffe\uffff"
                                 + "".join(chr(c) for c in range(32) if c not in (9, 10))), min_size=1)


@settings(max_examples=100, deadline=None)
@given(stem=xml_text, texts=st.lists(xml_text, min_size=2, max_size=4, unique_by=str.strip), rationale=xml_text)
def test_any_text_survives_the_package(stem, texts, rationale):
    options = tuple(Option(text, n == 0, rationale) for n, text in enumerate(texts))
    root = item([make_question("q-001", stem=stem, options=options)], "q-001")
    body = root.find("q:itemBody", NS)
    stem_text = "".join(t for p in body if p.tag != f"{{{qti.QTI_NS}}}choiceInteraction" for t in p.itertext())
    assert stem_text.strip() == visible_text(stem)
    choices = ["".join(c.itertext()).strip() for c in body.iterfind(".//q:simpleChoice", NS)]
    assert choices == [visible_text(t) for t in texts]
    feedback = {"".join(t for block in f for t in block.itertext()).strip() for f in root.iterfind("q:modalFeedback", NS)}
    assert feedback == {visible_text(rationale)} or not visible_text(rationale)


# Markup, the characters XML escapes (in text and in attributes), a CDATA
# end, quotes, an emoji, right-to-left text with its mark, a carriage return,
# a tab and a line break; one item with each kind of content and scoring.
TRICKY_QUESTIONS = [
    make_question(
        "q-001", qtype="multiple", keys=(0, 2), points=2, tags=("a&b", 'ü"x'), bloom="apply", difficulty="hard",
        stem="Is **a & <b>** `x<y && z>w` ]]> \"quoted\" 'single' 🙂 שלום\u200f?\n\n1. first *em*\n2. **bold**",
        explanation="Line one\nline two",
        options=(Option("A & B < C", True, "Because\tit's <right>"), Option('x]]>y "q"', False, "carriage\rreturn"),
                 Option("Multi\n\n- a\n- *b*", True), Option("  spaced  ", False, None, True)),
    ),
    make_question("q-002", options=tuple(Option(text, n == 1) for n, text in enumerate(("`a`", "**b** c", "d")))),
]
TRICKY_OPTIONS = ExportOptions(title='T "1" & <2> ]]>', category='Paper\t"A"\n<1>')


def test_tricky_text_is_written_exactly():
    """The expected files were written by the lxml-based writer this one replaced."""
    expected = FIXTURES / "qti-expected"
    files = package(TRICKY_QUESTIONS, TRICKY_OPTIONS)
    assert sorted(files) == sorted(str(p.relative_to(expected)) for p in expected.rglob("*.xml"))
    for name, data in files.items():
        assert data == (expected / name).read_bytes(), name
        ET.fromstring(data)


def test_a_package_written_by_two_processes_is_the_package_written_by_one(monkeypatch):
    alone = qti.write_questions(TRICKY_QUESTIONS, SYLLABUS, TRICKY_OPTIONS)
    monkeypatch.setattr(qti, "PARALLEL_MIN_ITEMS", 1)
    assert qti.write_questions(TRICKY_QUESTIONS, SYLLABUS, TRICKY_OPTIONS) == alone


def test_tricky_text_package_validates(validator, tmp_path):
    validator(qti.write_questions(TRICKY_QUESTIONS, SYLLABUS, TRICKY_OPTIONS), tmp_path)


def test_xml_invalid_characters_in_other_written_texts_are_an_error():
    with pytest.raises(InvalidXmlText, match=r"blueprint section 1 title contains the character U\+0001"):
        qti.write_questions([make_question()], SYLLABUS, ExportOptions(pools=(Pool("odd \x01", 1, ("q-001",)),)))
    with pytest.raises(InvalidXmlText, match=r"q-001: syllabus\[0\] contains the character U\+001B"):
        qti.write_questions([make_question(syllabus=("1\x1b",))], SYLLABUS, ExportOptions())
    with pytest.raises(InvalidXmlText, match=r"syllabus.json: id contains the character U\+0000"):
        qti.write_questions([make_question()], replace(SYLLABUS, id="s\x00"), ExportOptions())
