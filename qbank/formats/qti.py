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

import copy
import functools
import itertools
import re

from qbank import __version__
from qbank.clock import source_date_epoch
from qbank.errors import FormatError, UnsupportedQuestion
from qbank.formats import ExportOptions, by_home_section, deterministic_zip
from qbank.formats.xmltext import check_export_texts, check_question
from qbank.markup import Code, Emphasis, LineBreak, ListBlock, Paragraph, Strong, Text, has_markup, parse, to_plain
from qbank.model import Question, Syllabus
from qbank.select import spreadsheet_label

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
# Tag and attribute names in Clark notation ({namespace}name), as lxml wants them.
Q = "{%s}" % QTI_NS
CP = "{%s}" % CP_NS
LOM = "{%s}" % LOM_NS
QTI_META = "{%s}" % QTI_META_NS
XSI = "{%s}" % XSI_NS
MANIFEST_NSMAP = {None: CP_NS, "lom": LOM_NS, "imsqti": QTI_META_NS, "xsi": XSI_NS}
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
    return spreadsheet_label(index)


def write_questions(questions, syllabus: Syllabus, options: ExportOptions = ExportOptions()) -> bytes:
    """The QTI 2.1 content package as zip bytes."""
    questions = list(questions)
    check_export_texts(syllabus, options)
    items = {}
    for question in questions:
        reason = unsupported_reason(question)
        if reason:
            raise UnsupportedQuestion(question.id, reason)
        # Before anything is built: the manifest, written first, already
        # holds each question's title and tags.
        check_question(question)
        ident = identifier(question.id)
        if ident in items:
            raise FormatError(f"{question.id}: two questions share the QTI identifier {ident!r}; give one another id")
        items[ident] = question
    title = options.title or syllabus.title
    # Items are built, serialised and compressed one at a time, so the whole
    # package never sits in memory as trees.
    files = ((f"items/{ident}.xml", _document(item_element(question, ident))) for ident, question in items.items())
    entries = itertools.chain(
        [("imsmanifest.xml", manifest_document(items, syllabus, title)),
         (TEST_FILE, _document(test_element(questions, syllabus, options, title)))],
        files,
    )
    return deterministic_zip(entries, source_date_epoch())


# -- items ------------------------------------------------------------------------


def item_element(question: Question, ident: str):
    """The assessmentItem (an lxml element) of a question that passed check_question."""
    from lxml import etree

    sub = etree.SubElement
    choices = [choice_identifier(n) for n in range(len(question.options))]
    keys = [choices[n] for n in question.correct_indexes]
    multiple = question.type == "multiple"
    has_feedback = bool(question.explanation) or any(option.rationale for option in question.options)
    points = _number(question.points)

    item = etree.Element(Q + "assessmentItem", {
        XSI + "schemaLocation": f"{QTI_NS} {QTI_XSD}",
        "identifier": ident, "title": _title(question), "adaptive": "false", "timeDependent": "false",
    }, nsmap={None: QTI_NS, "xsi": XSI_NS})
    response = sub(item, Q + "responseDeclaration", identifier="RESPONSE",
                   cardinality="multiple" if multiple else "single", baseType="identifier")
    correct = sub(response, Q + "correctResponse")
    for key in keys:
        sub(correct, Q + "value").text = key
    if multiple:
        mapping = sub(response, Q + "mapping", lowerBound="0", upperBound=points, defaultValue="0")
        for choice, share in zip(choices, option_shares(question)):
            if share:
                sub(mapping, Q + "mapEntry", mapKey=choice, mappedValue=_number(share * question.points))
    _outcome(sub, item, "SCORE", "0")
    _outcome(sub, item, "MAXSCORE", points)
    if has_feedback:
        sub(item, Q + "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple", baseType="identifier")

    body = sub(item, Q + "itemBody")
    append_blocks(sub, body, question.stem)
    interaction = sub(body, Q + "choiceInteraction", responseIdentifier="RESPONSE",
                      shuffle="true" if question.shuffle else "false", maxChoices="0" if multiple else "1")
    for choice, option in zip(choices, question.options):
        attributes = {"identifier": choice}
        if option.fixed:
            attributes["fixed"] = "true"
        append_flow(sub, sub(interaction, Q + "simpleChoice", attributes), option.text)

    if not has_feedback and question.points == 1:
        sub(item, Q + "responseProcessing", template=TEMPLATES + ("map_response" if multiple else "match_correct"))
    else:
        item.append(copy.deepcopy(_response_processing(multiple, has_feedback, bool(question.explanation))))
    for choice, option in zip(choices, question.options):
        if option.rationale:
            append_blocks(sub, sub(item, Q + "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=choice, showHide="show"),
                          option.rationale)
    if question.explanation:
        append_blocks(sub, sub(item, Q + "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=EXPLANATION,
                          showHide="show"), question.explanation)
    return item


def option_shares(question: Question) -> list[float]:
    """Each option's share of the points: the same rule as the Moodle export."""
    if question.type != "multiple":
        return [1.0 if option.correct else 0.0 for option in question.options]
    keys = len(question.correct_indexes)
    distractors = len(question.options) - keys
    return [1 / keys if option.correct else -1 / distractors for option in question.options]


@functools.lru_cache(maxsize=None)
def _response_processing(multiple: bool, has_feedback: bool, has_explanation: bool):
    """The responseProcessing for one of its eight variants: built once, copied
    into each item (a copy costs a fifth of building the same elements)."""
    from lxml import etree

    sub = etree.SubElement
    item = etree.Element(Q + "assessmentItem", nsmap={None: QTI_NS})
    processing = sub(item, Q + "responseProcessing")
    condition = sub(processing, Q + "responseCondition")
    if multiple:  # as the map_response template, scaled by the mapping
        if_null = sub(condition, Q + "responseIf")
        sub(sub(if_null, Q + "isNull"), Q + "variable", identifier="RESPONSE")
        _set_float(sub, if_null, "SCORE", "0")
        scored = sub(sub(condition, Q + "responseElse"), Q + "setOutcomeValue", identifier="SCORE")
        sub(scored, Q + "mapResponse", identifier="RESPONSE")
    else:  # as the match_correct template, worth the question's points
        if_correct = sub(condition, Q + "responseIf")
        match = sub(if_correct, Q + "match")
        sub(match, Q + "variable", identifier="RESPONSE")
        sub(match, Q + "correct", identifier="RESPONSE")
        sub(_set(sub, if_correct, "SCORE"), Q + "variable", identifier="MAXSCORE")
        _set_float(sub, sub(condition, Q + "responseElse"), "SCORE", "0")
    if has_feedback:
        # FEEDBACK holds the chosen identifiers (each shows its rationale)
        # and EXPLANATION, which shows the general feedback.
        chosen = sub(_set(sub, processing, "FEEDBACK"), Q + "multiple")
        sub(chosen, Q + "variable", identifier="RESPONSE")
        if has_explanation:
            sub(chosen, Q + "baseValue", baseType="identifier").text = EXPLANATION
    return processing


# The helpers take ``sub`` (lxml's SubElement) from their caller: lxml is
# imported only inside the writer's entry points, and importing it again in
# every helper costs ~0.3 s over a 10,000-question bank.


def _set(sub, parent, outcome: str):
    """A setOutcomeValue for ``outcome``, to which the caller adds the expression."""
    return sub(parent, Q + "setOutcomeValue", identifier=outcome)


def _set_float(sub, parent, outcome: str, value: str) -> None:
    sub(_set(sub, parent, outcome), Q + "baseValue", baseType="float").text = value


def _outcome(sub, item, name: str, default: str) -> None:
    declaration = sub(item, Q + "outcomeDeclaration", identifier=name, cardinality="single", baseType="float")
    sub(sub(declaration, Q + "defaultValue"), Q + "value").text = default


def _title(question: Question) -> str:
    stem = " ".join(to_plain(question.stem).split())
    return f"{question.id} {stem[:60]}".rstrip()


# -- the Markdown subset as QTI's XHTML content ---------------------------------------


def append_blocks(sub, parent, text: str) -> None:
    """Append ``text`` as block content (<p>, <ol>, <ul>) to ``parent``."""
    if not has_markup(text):
        if text.strip():
            sub(parent, Q + "p").text = text.strip()
        return
    for block in parse(text):
        if isinstance(block, Paragraph):
            append_inlines(sub, sub(parent, Q + "p"), block.children)
        elif isinstance(block, ListBlock):
            attributes = {"start": str(block.start)} if block.ordered and block.start != 1 else {}
            element = sub(parent, Q + ("ol" if block.ordered else "ul"), attributes)
            for item in block.items:
                append_inlines(sub, sub(element, Q + "li"), item)
        else:  # a new block type must be rendered, never dropped
            raise TypeError(f"no QTI rendering for {type(block).__name__}")


def append_flow(sub, parent, text: str) -> None:
    """Append ``text`` to an element that takes inline or block content (a choice):
    one paragraph goes in inline, anything longer as blocks."""
    if not has_markup(text):
        parent.text = text.strip()
        return
    blocks = parse(text)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        append_inlines(sub, parent, blocks[0].children)
    else:
        append_blocks(sub, parent, text)
    _keep_as_built(parent)


def append_inlines(sub, parent, inlines) -> None:
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
            last = sub(parent, Q + "code")
            last.text = node.text
        elif isinstance(node, LineBreak):
            last = sub(parent, Q + "br")
        elif isinstance(node, (Strong, Emphasis)):
            last = sub(parent, Q + ("strong" if isinstance(node, Strong) else "em"))
            append_inlines(sub, last, node.children)
        else:  # a new inline type must be rendered, never dropped
            raise TypeError(f"no QTI rendering for {type(node).__name__}")
    _keep_as_built(parent)


def _keep_as_built(element) -> None:
    """Keep lxml's pretty printing out of ``element``: text content, where an
    added line break and indent would be a space a candidate sees (between
    **bold** and *italic*, say). libxml2 indents inside an element only when
    none of its children is text, so an element that starts with an inline
    element is given an empty text node, which serialises as nothing."""
    if element.text is None and len(element):
        element.text = ""


# -- the assessmentTest -------------------------------------------------------------------


def test_element(questions: list[Question], syllabus: Syllabus, options: ExportOptions, title: str):
    """The assessmentTest (an lxml element)."""
    from lxml import etree

    sub = etree.SubElement
    test = etree.Element(Q + "assessmentTest", {
        XSI + "schemaLocation": f"{QTI_NS} {QTI_XSD}",
        "identifier": identifier("test-" + syllabus.id), "title": title,
    }, nsmap={None: QTI_NS, "xsi": XSI_NS})
    _outcome(sub, test, "SCORE", "0")
    _outcome(sub, test, "MAXSCORE", "0")
    part = sub(test, Q + "testPart", identifier="part-1", navigationMode="nonlinear", submissionMode="individual")
    for n, (section_title, select, section_questions) in enumerate(_test_sections(questions, syllabus, options), 1):
        section = sub(part, Q + "assessmentSection", identifier=f"section-{n}", title=section_title, visible="true")
        if select is not None:
            if select > len(section_questions):
                raise FormatError(
                    f"section {section_title!r} draws {select} questions but only {len(section_questions)} match it"
                )
            sub(section, Q + "selection", select=str(select))
            sub(section, Q + "ordering", shuffle="true")
        for question in section_questions:
            ident = identifier(question.id)
            sub(section, Q + "assessmentItemRef", identifier=ident, href=f"items/{ident}.xml")
    processing = sub(test, Q + "outcomeProcessing")
    for outcome in ("SCORE", "MAXSCORE"):
        sub(sub(_set(sub, processing, outcome), Q + "sum"), Q + "testVariables", variableIdentifier=outcome)
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


def manifest_document(items: dict[str, Question], syllabus: Syllabus, title: str) -> bytes:
    """imsmanifest.xml: the package metadata, the test resource and one resource per item."""
    from lxml import etree

    sub = etree.SubElement
    manifest = etree.Element(CP + "manifest", {
        XSI + "schemaLocation": f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd "
                              f"{LOM_NS} http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd "
                              f"{QTI_META_NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_metadata_v2p1.xsd",
        "identifier": identifier("manifest-" + syllabus.id),
    }, nsmap=MANIFEST_NSMAP)
    metadata = sub(manifest, CP + "metadata")
    sub(metadata, CP + "schema").text = "QTIv2.1 Package"
    sub(metadata, CP + "schemaversion").text = "1.0.0"
    general = sub(sub(metadata, LOM + "lom"), LOM + "general")
    _lang_string(sub, sub(general, LOM + "title"), title)
    sub(manifest, CP + "organizations")
    resources = sub(manifest, CP + "resources")
    return _document(manifest, resources, _resources(items, syllabus))


def _resources(items: dict[str, Question], syllabus: Syllabus):
    from lxml import etree

    sub = etree.SubElement
    test = _held(CP + "resource", MANIFEST_NSMAP, identifier="test-resource", type="imsqti_test_xmlv2p1", href=TEST_FILE)
    sub(test, CP + "file", href=TEST_FILE)
    for ident in items:
        sub(test, CP + "dependency", identifierref=f"item-{ident}")
    yield test
    # Walked once, not twice per tagged section of every question.
    trails = {section.id: ancestors + (section,) for section, ancestors in syllabus.walk()}
    for ident, question in items.items():
        href = f"items/{ident}.xml"
        resource = _held(CP + "resource", MANIFEST_NSMAP, identifier=f"item-{ident}", type="imsqti_item_xmlv2p1", href=href)
        _item_metadata(sub, sub(resource, CP + "metadata"), question, syllabus, trails)
        sub(resource, CP + "file", href=href)
        yield resource


def _item_metadata(sub, metadata, question: Question, syllabus: Syllabus, trails: dict) -> None:
    lom = sub(metadata, LOM + "lom")
    general = sub(lom, LOM + "general")
    ident = sub(general, LOM + "identifier")
    sub(ident, LOM + "catalog").text = f"qbank:{syllabus.id}"
    sub(ident, LOM + "entry").text = question.id
    _lang_string(sub, sub(general, LOM + "title"), _title(question))
    for tag in question.tags:
        _lang_string(sub, sub(general, LOM + "keyword"), tag)
    if question.difficulty in LOM_DIFFICULTY:
        difficulty = sub(sub(lom, LOM + "educational"), LOM + "difficulty")
        sub(difficulty, LOM + "source").text = "LOMv1.0"
        sub(difficulty, LOM + "value").text = LOM_DIFFICULTY[question.difficulty]
    if question.syllabus:
        classification = _classification(sub, lom, "discipline")
        for section_id in question.syllabus:
            path = sub(classification, LOM + "taxonPath")
            _lang_string(sub, sub(path, LOM + "source"), f"{syllabus.title} syllabus")
            trail = trails.get(section_id, ())
            for section in trail:
                _taxon(sub, path, section.id, section.title)
            if not trail:
                _taxon(sub, path, section_id, section_id)
    if question.bloom:
        path = sub(_classification(sub, lom, "educational objective"), LOM + "taxonPath")
        _lang_string(sub, sub(path, LOM + "source"), BLOOM_SOURCE)
        _taxon(sub, path, question.bloom, question.bloom)
    qti = sub(metadata, QTI_META + "qtiMetadata")
    sub(qti, QTI_META + "timeDependent").text = "false"
    sub(qti, QTI_META + "interactionType").text = "choiceInteraction"
    has_feedback = bool(question.explanation) or any(option.rationale for option in question.options)
    sub(qti, QTI_META + "feedbackType").text = "nonadaptive" if has_feedback else "none"
    sub(qti, QTI_META + "solutionAvailable").text = "true"
    sub(qti, QTI_META + "toolName").text = "qbank"
    sub(qti, QTI_META + "toolVersion").text = __version__


def _classification(sub, lom, purpose: str):
    classification = sub(lom, LOM + "classification")
    element = sub(classification, LOM + "purpose")
    sub(element, LOM + "source").text = "LOMv1.0"
    sub(element, LOM + "value").text = purpose
    return classification


def _taxon(sub, path, taxon_id: str, entry: str) -> None:
    taxon = sub(path, LOM + "taxon")
    sub(taxon, LOM + "id").text = taxon_id
    _lang_string(sub, sub(taxon, LOM + "entry"), entry)


def _lang_string(sub, parent, text: str) -> None:
    sub(parent, LOM + "string", language="en").text = text


# -- serialisation ---------------------------------------------------------------------------


# Stands for the children of a container serialised one at a time.
_SLOT = "\ue000qbank-children\ue000"


def _document(root, container=None, children=()) -> bytes:
    """The document as UTF-8 bytes, indented; ``children`` (an iterable of
    elements, each built in its own holder by ``_held``) go into ``container``,
    a direct child of ``root``, each serialised as soon as it is built, so a
    large manifest never sits in memory as one tree."""
    from lxml import etree

    if container is None:
        # libxml2's pretty printing leaves text content as built (_keep_as_built).
        return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)
    container.text = _SLOT
    etree.indent(root)
    # The slot is the last text in the document (the container is the
    # root's last child), so a title containing it cannot confuse the split.
    head, tail = etree.tostring(root, encoding="UTF-8").rsplit(_SLOT.encode(), 1)
    parts = [XML_DECLARATION, head]
    for child in children:
        # A child serialised on its own would repeat the root's namespace
        # declarations; its holder carries them instead, and only what lies
        # between the holder's tags (the indent and the child) is kept.
        holder = child.getparent()
        etree.indent(holder, level=1)
        text = etree.tostring(holder, encoding="UTF-8")
        parts.append(text[text.index(b">") + 1 : text.rindex(b"\n")])
    parts.append(b"\n  " + tail + b"\n")
    return b"".join(parts)


def _held(tag: str, nsmap: dict, **attributes):
    """A new element ``tag`` inside a holder that declares ``nsmap`` (see _document)."""
    from lxml import etree

    return etree.SubElement(etree.Element(CP + "holder", nsmap=nsmap), tag, attributes)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


