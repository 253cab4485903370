"""QTI 2.1 content package: a zip any QTI 2.1 system (TAO, Canvas, Blackboard,
ONYX, Inspera…) imports.

Layout::

    imsmanifest.xml              IMS CP 1.1: one resource per item (with LOM and
                                 qtiMetadata: syllabus, tags, difficulty, Bloom)
    assessment-test.xml          one assessmentTest
    items/<identifier>.xml       one assessmentItem per question

Each item is a ``choiceInteraction`` (``maxChoices`` 1 for single and
true/false, 0 for multiple) with ``shuffle`` from the question and
``fixed`` per choice. ``single``/``truefalse`` score the question's points
for the key; ``multiple`` uses a ``mapping`` with the same shares as the
Moodle export (+1/k of the points per key, -1/d per distractor, bounded to
0..points). Each option's rationale is a ``modalFeedback`` shown when that
choice was selected, and the explanation one shown after every attempt; a
question with no feedback and 1 point uses the standard ``match_correct`` /
``map_response`` templates instead.

The test has one section per syllabus section (bank export), one section
in paper order (a paper variant), or one section per blueprint pool with
``<selection select="N"/>`` and ``<ordering shuffle="true"/>``, so the LMS
draws per candidate.

The package is byte-identical for the same input: entries in a fixed
order, timestamps from SOURCE_DATE_EPOCH (else 1980-01-01), fixed
permissions and compression.
"""

from __future__ import annotations

import io
import os
import re
import time
import xml.etree.ElementTree as ET
import zipfile

from qbank import __version__
from qbank.errors import FormatError, UnsupportedQuestion
from qbank.formats import ExportOptions, by_home_section
from qbank.formats.xmltext import check_question
from qbank.markup import Code, Emphasis, LineBreak, ListBlock, Paragraph, Strong, Text, has_markup, parse, to_plain
from qbank.model import Question, Syllabus

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
QTI_META_NS = "http://www.imsglobal.org/xsd/imsqti_metadata_v2p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TEMPLATES = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"
TEST_FILE = "assessment-test.xml"
EXPLANATION = "EXPLANATION"
LOM_DIFFICULTY = {"easy": "easy", "medium": "medium", "hard": "difficult"}
BLOOM_SOURCE = "Bloom's taxonomy (revised)"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_NOT_NCNAME_CHAR = re.compile(r"[^A-Za-z0-9_.-]")


def unsupported_reason(question: Question) -> str | None:
    if question.type not in ("single", "multiple", "truefalse"):
        return f"QTI export has no mapping for question type {question.type!r}"
    if len(question.options) < 2:
        return "a choice interaction needs at least two options"
    if not question.correct_indexes:
        return "the question has no correct option"
    return None


def identifier(text: str) -> str:
    """A valid XML NCName derived from ``text``: itself when it already is one.

    Bank ids are lowercase slugs, so the ``Q`` put before one that starts
    with a digit can never make it equal another id.
    """
    if _NCNAME.fullmatch(text):
        return text
    return "Q" + _NOT_NCNAME_CHAR.sub("_", text)


def choice_identifier(index: int) -> str:
    """A, B, … Z, AA, AB, …: the letters a paper prints."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(65 + rest) + label
    return label


def write_questions(questions, syllabus: Syllabus, options: ExportOptions = ExportOptions()) -> bytes:
    """The QTI 2.1 content package as zip bytes."""
    questions = list(questions)
    items = {}
    for question in questions:
        reason = unsupported_reason(question)
        if reason:
            raise UnsupportedQuestion(question.id, reason)
        ident = identifier(question.id)
        if ident in items:
            raise FormatError(f"{question.id}: two questions share the QTI identifier {ident!r}; give one another id")
        items[ident] = question
    files = [(f"items/{ident}.xml", _document(item_element(question, ident))) for ident, question in items.items()]
    title = options.title or syllabus.title
    test = test_element(questions, syllabus, options, title)
    manifest = manifest_element(items, syllabus, title)
    entries = [("imsmanifest.xml", _document(manifest)), (TEST_FILE, _document(test))] + files
    return _zip(entries)


# -- items ------------------------------------------------------------------------


def item_element(question: Question, ident: str) -> ET.Element:
    check_question(question)
    sub = ET.SubElement
    choices = [choice_identifier(n) for n in range(len(question.options))]
    keys = [choices[n] for n in question.correct_indexes]
    multiple = question.type == "multiple"
    has_feedback = bool(question.explanation) or any(option.rationale for option in question.options)
    points = _number(question.points)

    item = ET.Element("assessmentItem", {
        "xmlns": QTI_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{QTI_NS} {QTI_XSD}",
        "identifier": ident, "title": _title(question), "adaptive": "false", "timeDependent": "false",
    })
    response = sub(item, "responseDeclaration", identifier="RESPONSE",
                   cardinality="multiple" if multiple else "single", baseType="identifier")
    correct = sub(response, "correctResponse")
    for key in keys:
        sub(correct, "value").text = key
    if multiple:
        mapping = sub(response, "mapping", lowerBound="0", upperBound=points, defaultValue="0")
        for choice, share in zip(choices, option_shares(question)):
            if share:
                sub(mapping, "mapEntry", mapKey=choice, mappedValue=_number(share * question.points))
    _outcome(item, "SCORE", "0")
    _outcome(item, "MAXSCORE", points)
    if has_feedback:
        sub(item, "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple", baseType="identifier")

    body = sub(item, "itemBody")
    append_blocks(body, question.stem)
    interaction = sub(body, "choiceInteraction", responseIdentifier="RESPONSE",
                      shuffle="true" if question.shuffle else "false", maxChoices="0" if multiple else "1")
    for choice, option in zip(choices, question.options):
        attributes = {"identifier": choice}
        if option.fixed:
            attributes["fixed"] = "true"
        append_flow(sub(interaction, "simpleChoice", attributes), option.text)

    if not has_feedback and question.points == 1:
        sub(item, "responseProcessing", template=TEMPLATES + ("map_response" if multiple else "match_correct"))
    else:
        _response_processing(item, multiple, has_feedback, bool(question.explanation))
    for choice, option in zip(choices, question.options):
        if option.rationale:
            append_blocks(sub(item, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=choice, showHide="show"),
                          option.rationale)
    if question.explanation:
        append_blocks(sub(item, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=EXPLANATION,
                          showHide="show"), question.explanation)
    return item


def option_shares(question: Question) -> list[float]:
    """Each option's share of the points: the same rule as the Moodle export."""
    if question.type != "multiple":
        return [1.0 if option.correct else 0.0 for option in question.options]
    keys = len(question.correct_indexes)
    distractors = len(question.options) - keys
    return [1 / keys if option.correct else -1 / distractors for option in question.options]


def _response_processing(item: ET.Element, multiple: bool, has_feedback: bool, has_explanation: bool) -> None:
    sub = ET.SubElement
    processing = sub(item, "responseProcessing")
    condition = sub(processing, "responseCondition")
    if multiple:  # as the map_response template, scaled by the mapping
        if_null = sub(condition, "responseIf")
        sub(sub(if_null, "isNull"), "variable", identifier="RESPONSE")
        _set(if_null, "SCORE", _float("0"))
        scored = sub(sub(condition, "responseElse"), "setOutcomeValue", identifier="SCORE")
        sub(scored, "mapResponse", identifier="RESPONSE")
    else:  # as the match_correct template, worth the question's points
        if_correct = sub(condition, "responseIf")
        match = sub(if_correct, "match")
        sub(match, "variable", identifier="RESPONSE")
        sub(match, "correct", identifier="RESPONSE")
        variable = ET.Element("variable", identifier="MAXSCORE")
        _set(if_correct, "SCORE", variable)
        _set(sub(condition, "responseElse"), "SCORE", _float("0"))
    if has_feedback:
        # FEEDBACK holds the chosen identifiers (each shows its rationale)
        # and EXPLANATION, which shows the general feedback.
        chosen = ET.Element("multiple")
        sub(chosen, "variable", identifier="RESPONSE")
        if has_explanation:
            sub(chosen, "baseValue", baseType="identifier").text = EXPLANATION
        _set(processing, "FEEDBACK", chosen)


def _set(parent: ET.Element, outcome: str, expression: ET.Element) -> None:
    ET.SubElement(parent, "setOutcomeValue", identifier=outcome).append(expression)


def _float(value: str) -> ET.Element:
    element = ET.Element("baseValue", baseType="float")
    element.text = value
    return element


def _outcome(item: ET.Element, name: str, default: str) -> None:
    declaration = ET.SubElement(item, "outcomeDeclaration", identifier=name, cardinality="single", baseType="float")
    ET.SubElement(ET.SubElement(declaration, "defaultValue"), "value").text = default


def _title(question: Question) -> str:
    stem = " ".join(to_plain(question.stem).split())
    return f"{question.id} {stem[:60]}".rstrip()


# -- the Markdown subset as QTI's XHTML content ---------------------------------------


def append_blocks(parent: ET.Element, text: str) -> None:
    """Append ``text`` as block content (<p>, <ol>, <ul>) to ``parent``."""
    if not has_markup(text):
        if text.strip():
            ET.SubElement(parent, "p").text = text.strip()
        return
    for block in parse(text):
        if isinstance(block, Paragraph):
            append_inlines(ET.SubElement(parent, "p"), block.children)
        elif isinstance(block, ListBlock):
            attributes = {"start": str(block.start)} if block.ordered and block.start != 1 else {}
            element = ET.SubElement(parent, "ol" if block.ordered else "ul", attributes)
            for item in block.items:
                append_inlines(ET.SubElement(element, "li"), item)
        else:  # a new block type must be rendered, never dropped
            raise TypeError(f"no QTI rendering for {type(block).__name__}")


def append_flow(parent: ET.Element, text: str) -> None:
    """Append ``text`` to an element that takes inline or block content (a choice):
    one paragraph goes in inline, anything longer as blocks."""
    if not has_markup(text):
        parent.text = text.strip()
        return
    blocks = parse(text)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        append_inlines(parent, blocks[0].children)
    else:
        append_blocks(parent, text)


def append_inlines(parent: ET.Element, inlines) -> None:
    last = None  # the element whose tail takes the next text

    def add_text(value: str) -> None:
        if last is None:
            parent.text = (parent.text or "") + value
        else:
            last.tail = (last.tail or "") + value

    for node in inlines:
        if isinstance(node, Text):
            add_text(node.text)
            continue
        if isinstance(node, Code):
            last = ET.SubElement(parent, "code")
            last.text = node.text
        elif isinstance(node, LineBreak):
            last = ET.SubElement(parent, "br")
        elif isinstance(node, (Strong, Emphasis)):
            last = ET.SubElement(parent, "strong" if isinstance(node, Strong) else "em")
            append_inlines(last, node.children)
        else:  # a new inline type must be rendered, never dropped
            raise TypeError(f"no QTI rendering for {type(node).__name__}")


# -- the assessmentTest -------------------------------------------------------------------


def test_element(questions: list[Question], syllabus: Syllabus, options: ExportOptions, title: str) -> ET.Element:
    sub = ET.SubElement
    test = ET.Element("assessmentTest", {
        "xmlns": QTI_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{QTI_NS} {QTI_XSD}",
        "identifier": identifier("test-" + syllabus.id), "title": title,
    })
    _outcome(test, "SCORE", "0")
    _outcome(test, "MAXSCORE", "0")
    part = sub(test, "testPart", identifier="part-1", navigationMode="nonlinear", submissionMode="individual")
    for n, (section_title, select, section_questions) in enumerate(_test_sections(questions, syllabus, options), 1):
        section = sub(part, "assessmentSection", identifier=f"section-{n}", title=section_title, visible="true")
        if select is not None:
            if select > len(section_questions):
                raise FormatError(
                    f"section {section_title!r} draws {select} questions but only {len(section_questions)} match it"
                )
            sub(section, "selection", select=str(select))
            sub(section, "ordering", shuffle="true")
        for question in section_questions:
            ident = identifier(question.id)
            sub(section, "assessmentItemRef", identifier=ident, href=f"items/{ident}.xml")
    processing = sub(test, "outcomeProcessing")
    for outcome in ("SCORE", "MAXSCORE"):
        total = ET.Element("sum")
        sub(total, "testVariables", variableIdentifier=outcome)
        _set(processing, outcome, total)
    return test


def _test_sections(questions: list[Question], syllabus: Syllabus, options: ExportOptions):
    """(title, select or None, questions) for each assessmentSection."""
    if options.pools is not None:
        by_id = {q.id: q for q in questions}
        for pool in options.pools:
            missing = [qid for qid in pool.question_ids if qid not in by_id]
            if missing:
                raise FormatError(f"section {pool.title!r} names questions that are not exported: {', '.join(missing)}")
            yield pool.title, pool.select, [by_id[qid] for qid in pool.question_ids]
        return
    if options.category:
        yield options.category, None, questions
        return
    for trail, group in by_home_section(questions, syllabus):
        yield (f"{trail[-1].id} {trail[-1].title}" if trail else "Other questions"), None, group


# -- the manifest --------------------------------------------------------------------------


def manifest_element(items: dict[str, Question], syllabus: Syllabus, title: str) -> ET.Element:
    sub = ET.SubElement
    manifest = ET.Element("manifest", {
        "xmlns": CP_NS, "xmlns:lom": LOM_NS, "xmlns:imsqti": QTI_META_NS, "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd "
                              f"{LOM_NS} http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd "
                              f"{QTI_META_NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_metadata_v2p1.xsd",
        "identifier": identifier("manifest-" + syllabus.id),
    })
    metadata = sub(manifest, "metadata")
    sub(metadata, "schema").text = "QTIv2.1 Package"
    sub(metadata, "schemaversion").text = "1.0.0"
    general = sub(sub(metadata, "lom:lom"), "lom:general")
    _lang_string(sub(general, "lom:title"), title)
    sub(manifest, "organizations")
    resources = sub(manifest, "resources")
    test = sub(resources, "resource", identifier="test-resource", type="imsqti_test_xmlv2p1", href=TEST_FILE)
    sub(test, "file", href=TEST_FILE)
    for ident in items:
        sub(test, "dependency", identifierref=f"item-{ident}")
    for ident, question in items.items():
        href = f"items/{ident}.xml"
        resource = sub(resources, "resource", identifier=f"item-{ident}", type="imsqti_item_xmlv2p1", href=href)
        _item_metadata(sub(resource, "metadata"), question, syllabus)
        sub(resource, "file", href=href)
    return manifest


def _item_metadata(metadata: ET.Element, question: Question, syllabus: Syllabus) -> None:
    sub = ET.SubElement
    lom = sub(metadata, "lom:lom")
    general = sub(lom, "lom:general")
    ident = sub(general, "lom:identifier")
    sub(ident, "lom:catalog").text = f"qbank:{syllabus.id}"
    sub(ident, "lom:entry").text = question.id
    _lang_string(sub(general, "lom:title"), _title(question))
    for tag in question.tags:
        _lang_string(sub(general, "lom:keyword"), tag)
    if question.difficulty in LOM_DIFFICULTY:
        difficulty = sub(sub(lom, "lom:educational"), "lom:difficulty")
        sub(difficulty, "lom:source").text = "LOMv1.0"
        sub(difficulty, "lom:value").text = LOM_DIFFICULTY[question.difficulty]
    if question.syllabus:
        classification = _classification(lom, "discipline")
        for section_id in question.syllabus:
            path = sub(classification, "lom:taxonPath")
            _lang_string(sub(path, "lom:source"), f"{syllabus.title} syllabus")
            for section in syllabus.trail(section_id) or ():
                _taxon(path, section.id, section.title)
            if not syllabus.trail(section_id):
                _taxon(path, section_id, section_id)
    if question.bloom:
        path = sub(_classification(lom, "educational objective"), "lom:taxonPath")
        _lang_string(sub(path, "lom:source"), BLOOM_SOURCE)
        _taxon(path, question.bloom, question.bloom)
    qti = sub(metadata, "imsqti:qtiMetadata")
    sub(qti, "imsqti:timeDependent").text = "false"
    sub(qti, "imsqti:interactionType").text = "choiceInteraction"
    has_feedback = bool(question.explanation) or any(option.rationale for option in question.options)
    sub(qti, "imsqti:feedbackType").text = "nonadaptive" if has_feedback else "none"
    sub(qti, "imsqti:solutionAvailable").text = "true"
    sub(qti, "imsqti:toolName").text = "qbank"
    sub(qti, "imsqti:toolVersion").text = __version__


def _classification(lom: ET.Element, purpose: str) -> ET.Element:
    classification = ET.SubElement(lom, "lom:classification")
    element = ET.SubElement(classification, "lom:purpose")
    ET.SubElement(element, "lom:source").text = "LOMv1.0"
    ET.SubElement(element, "lom:value").text = purpose
    return classification


def _taxon(path: ET.Element, taxon_id: str, entry: str) -> None:
    taxon = ET.SubElement(path, "lom:taxon")
    ET.SubElement(taxon, "lom:id").text = taxon_id
    _lang_string(ET.SubElement(taxon, "lom:entry"), entry)


def _lang_string(parent: ET.Element, text: str) -> None:
    ET.SubElement(parent, "lom:string", language="en").text = text


# -- serialisation ---------------------------------------------------------------------------


# Elements whose content is text: indenting inside them would add spaces a
# candidate sees (between **bold** and *italic*, say), so they stay as built.
_TEXT_CONTENT = frozenset({"p", "li", "simpleChoice", "code", "strong", "em"})


def _indent(element: ET.Element, level: int = 0) -> None:
    if not len(element) or element.tag in _TEXT_CONTENT:
        return
    pad = "\n" + "  " * (level + 1)
    if not element.text or not element.text.strip():
        element.text = pad
    for child in element:
        _indent(child, level + 1)
        if not child.tail or not child.tail.strip():
            child.tail = pad
    child.tail = pad[:-2]


def _document(root: ET.Element) -> bytes:
    _indent(root)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode() + b"\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def zip_timestamp() -> tuple[int, int, int, int, int, int]:
    """SOURCE_DATE_EPOCH as a zip date (zip cannot go before 1980), else 1980-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        stamp = time.gmtime(max(int(epoch), 315532800))
        return tuple(stamp[:6])
    return (1980, 1, 1, 0, 0, 0)


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    stamp = zip_timestamp()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()
