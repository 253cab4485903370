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

import functools
import re

from qbank import __version__
from qbank.clock import source_date_epoch
from qbank.errors import FormatError, UnsupportedQuestion
from qbank.formats import ExportOptions, by_home_section, deterministic_zip
from qbank.formats.xmltext import check_export_texts, check_question, escape_attribute, escape_text, xml_text
from qbank.markup import Code, Emphasis, LineBreak, ListBlock, Paragraph, Strong, Text, has_markup, parse, to_plain
from qbank.model import Question, Syllabus
from qbank.parallel import produced_in_forked_process
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
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# Deflate levels 1-3 take the same time, about 0.7 s for the 71 MB of XML of
# 10,000 questions, against 1.0 s at the default level 6; level 3 packs them
# into 14.0 MB (level 6: 13.0 MB, level 1: 14.5 MB).
COMPRESSLEVEL = 3
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
    xml_text(syllabus.id, "syllabus.json", "id")
    items = {}
    for question in questions:
        reason = unsupported_reason(question)
        if reason:
            raise UnsupportedQuestion(question.id, reason)
        # Before anything is written: the manifest, written first, already
        # holds each question's title and tags.
        check_question(question)
        ident = identifier(question.id)
        if ident in items:
            raise FormatError(f"{question.id}: two questions share the QTI identifier {ident!r}; give one another id")
        items[ident] = question
    title = options.title or syllabus.title
    # Each title is in the manifest and in its item, and comes from the stem's markup.
    titles = {ident: item_title(question) for ident, question in items.items()}
    idents = list(items)

    def package_files(start: int = 0):
        """The package's files from the start-th on: the manifest, the test, the items."""
        if start == 0:
            yield "imsmanifest.xml", manifest_document(items, titles, syllabus, title).encode()
        if start <= 1:
            yield TEST_FILE, test_document(questions, syllabus, options, title).encode()
        for ident in idents[max(0, start - 2):]:
            yield f"items/{ident}.xml", item_document(items[ident], ident, titles[ident]).encode()

    # Files are written and compressed one at a time, so the whole package
    # never sits in memory as text. For a large bank a second process writes
    # them while this one compresses (deflate takes as long as writing).
    files = produced_in_forked_process(package_files) if len(idents) >= PARALLEL_MIN_ITEMS else package_files()
    return deterministic_zip(files, source_date_epoch(), compresslevel=COMPRESSLEVEL)


PARALLEL_MIN_ITEMS = 2000


# -- writing XML -------------------------------------------------------------------------
#
# The documents are written as text, laid out exactly as lxml's pretty
# printer laid out the trees this writer used to build (two spaces per level,
# one element per line; text content and everything inside it on one line, as
# an added line break there would be a space a candidate sees). Building a
# million lxml elements for a large bank cost seconds; formatting strings
# costs a fraction. Every value that is not a constant or an identifier
# (an NCName, see ``identifier``) passes through xmltext's ``escape_text`` or
# ``escape_attribute``.


def _element(pad: str, tag: str, attributes: str, children: list[str]) -> list[str]:
    """The lines of an element that holds elements (``children``: their lines, indented one level more)."""
    if not children:
        return [f"{pad}<{tag}{attributes}/>"]
    return [f"{pad}<{tag}{attributes}>", *children, f"{pad}</{tag}>"]


def _outcome(name: str, default: str) -> str:
    """An outcomeDeclaration (float, single) as a child of the root."""
    return (f'  <outcomeDeclaration identifier="{name}" cardinality="single" baseType="float">\n'
            f"    <defaultValue>\n      <value>{default}</value>\n    </defaultValue>\n"
            f"  </outcomeDeclaration>")


# -- items ------------------------------------------------------------------------


QTI_ROOT_ATTRIBUTES = f'xmlns="{QTI_NS}" xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{QTI_NS} {QTI_XSD}"'


def item_document(question: Question, ident: str, title: str) -> str:
    """The assessmentItem document of a question that passed check_question."""
    choices = [choice_identifier(n) for n in range(len(question.options))]
    multiple = question.type == "multiple"
    has_feedback = bool(question.explanation) or any(option.rationale for option in question.options)
    points = _number(question.points)

    lines = [
        XML_DECLARATION,
        f'<assessmentItem {QTI_ROOT_ATTRIBUTES} identifier="{ident}" title="{escape_attribute(title)}" '
        f'adaptive="false" timeDependent="false">',
    ]
    keys = [f"      <value>{choices[n]}</value>" for n in question.correct_indexes]
    declaration = _element("    ", "correctResponse", "", keys)
    if multiple:
        entries = [f'      <mapEntry mapKey="{choice}" mappedValue="{_number(share * question.points)}"/>'
                   for choice, share in zip(choices, option_shares(question)) if share]
        declaration += _element("    ", "mapping", f' lowerBound="0" upperBound="{points}" defaultValue="0"', entries)
    cardinality = "multiple" if multiple else "single"
    lines += _element("  ", "responseDeclaration",
                      f' identifier="RESPONSE" cardinality="{cardinality}" baseType="identifier"', declaration)
    lines.append(_outcome("SCORE", "0"))
    lines.append(_outcome("MAXSCORE", points))
    if has_feedback:
        lines.append('  <outcomeDeclaration identifier="FEEDBACK" cardinality="multiple" baseType="identifier"/>')

    lines.append("  <itemBody>")
    lines += _blocks(question.stem, "    ")
    shuffle = "true" if question.shuffle else "false"
    lines.append(f'    <choiceInteraction responseIdentifier="RESPONSE" shuffle="{shuffle}" '
                 f'maxChoices="{"0" if multiple else "1"}">')
    for choice, option in zip(choices, question.options):
        fixed = ' fixed="true"' if option.fixed else ""
        lines.append("      " + _flow("simpleChoice", f' identifier="{choice}"{fixed}', option.text))
    lines.append("    </choiceInteraction>")
    lines.append("  </itemBody>")

    if not has_feedback and question.points == 1:
        lines.append(f'  <responseProcessing template="{TEMPLATES}{"map_response" if multiple else "match_correct"}"/>')
    else:
        lines.append(_response_processing(multiple, has_feedback, bool(question.explanation)))
    feedback = [(choice, option.rationale) for choice, option in zip(choices, question.options) if option.rationale]
    if question.explanation:
        feedback.append((EXPLANATION, question.explanation))
    for shown_for, text in feedback:
        attributes = f' outcomeIdentifier="FEEDBACK" identifier="{shown_for}" showHide="show"'
        lines += _element("  ", "modalFeedback", attributes, _blocks(text, "    "))
    lines.append("</assessmentItem>\n")
    return "\n".join(lines)


def option_shares(question: Question) -> list[float]:
    """Each option's share of the points: the same rule as the Moodle export."""
    if question.type != "multiple":
        return [1.0 if option.correct else 0.0 for option in question.options]
    keys = len(question.correct_indexes)
    distractors = len(question.options) - keys
    return [1 / keys if option.correct else -1 / distractors for option in question.options]


@functools.lru_cache(maxsize=None)
def _response_processing(multiple: bool, has_feedback: bool, has_explanation: bool) -> str:
    """The responseProcessing for one of its eight variants (lines at the item's first level)."""
    if multiple:  # as the map_response template, scaled by the mapping
        condition = [
            "      <responseIf>",
            "        <isNull>",
            '          <variable identifier="RESPONSE"/>',
            "        </isNull>",
            '        <setOutcomeValue identifier="SCORE">',
            '          <baseValue baseType="float">0</baseValue>',
            "        </setOutcomeValue>",
            "      </responseIf>",
            "      <responseElse>",
            '        <setOutcomeValue identifier="SCORE">',
            '          <mapResponse identifier="RESPONSE"/>',
            "        </setOutcomeValue>",
            "      </responseElse>",
        ]
    else:  # as the match_correct template, worth the question's points
        condition = [
            "      <responseIf>",
            "        <match>",
            '          <variable identifier="RESPONSE"/>',
            '          <correct identifier="RESPONSE"/>',
            "        </match>",
            '        <setOutcomeValue identifier="SCORE">',
            '          <variable identifier="MAXSCORE"/>',
            "        </setOutcomeValue>",
            "      </responseIf>",
            "      <responseElse>",
            '        <setOutcomeValue identifier="SCORE">',
            '          <baseValue baseType="float">0</baseValue>',
            "        </setOutcomeValue>",
            "      </responseElse>",
        ]
    lines = ["  <responseProcessing>", "    <responseCondition>", *condition, "    </responseCondition>"]
    if has_feedback:
        # FEEDBACK holds the chosen identifiers (each shows its rationale)
        # and EXPLANATION, which shows the general feedback.
        chosen = ['        <variable identifier="RESPONSE"/>']
        if has_explanation:
            chosen.append(f'        <baseValue baseType="identifier">{EXPLANATION}</baseValue>')
        lines += ['    <setOutcomeValue identifier="FEEDBACK">', "      <multiple>", *chosen,
                  "      </multiple>", "    </setOutcomeValue>"]
    lines.append("  </responseProcessing>")
    return "\n".join(lines)


def item_title(question: Question) -> str:
    stem = " ".join(to_plain(question.stem).split())
    return f"{question.id} {stem[:60]}".rstrip()


# -- the Markdown subset as QTI's XHTML content ---------------------------------------


def _blocks(text: str, pad: str | None) -> list[str]:
    """``text`` as block content (<p>, <ol>, <ul>): lines indented by ``pad``;
    with ``pad`` None, pieces to join as they are, for an element that also
    holds text (where lxml added no line breaks either)."""
    if not has_markup(text):
        stripped = text.strip()
        return [f"{pad or ''}<p>{escape_text(stripped)}</p>"] if stripped else []
    lines = []
    for block in parse(text):
        if isinstance(block, Paragraph):
            lines.append((pad or "") + _inline_element("p", "", block.children))
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
            if pad is None:
                items = "".join(_inline_element("li", "", item) for item in block.items)
                lines.append(f"<{tag}{start}>{items}</{tag}>")
            else:
                items = [pad + "  " + _inline_element("li", "", item) for item in block.items]
                lines += _element(pad, tag, start, items)
        else:  # a new block type must be rendered, never dropped
            raise TypeError(f"no QTI rendering for {type(block).__name__}")
    return lines


def _flow(tag: str, attributes: str, text: str) -> str:
    """Element ``tag`` holding ``text`` as inline or block content (a choice):
    one paragraph goes in inline, anything longer as blocks."""
    if not has_markup(text):
        return f"<{tag}{attributes}>{escape_text(text.strip())}</{tag}>"
    blocks = parse(text)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        return _inline_element(tag, attributes, blocks[0].children)
    content = "".join(_blocks(text, None))
    return f"<{tag}{attributes}>{content}</{tag}>" if blocks else f"<{tag}{attributes}/>"


def _inline_element(tag: str, attributes: str, inlines) -> str:
    if not inlines:
        return f"<{tag}{attributes}/>"
    return f"<{tag}{attributes}>{_inlines(inlines)}</{tag}>"


def _inlines(inlines) -> str:
    parts = []
    for node in inlines:
        if isinstance(node, Text):
            parts.append(escape_text(node.text))
        elif isinstance(node, Code):
            parts.append(f"<code>{escape_text(node.text)}</code>")
        elif isinstance(node, LineBreak):
            parts.append("<br/>")
        elif isinstance(node, (Strong, Emphasis)):
            parts.append(_inline_element("strong" if isinstance(node, Strong) else "em", "", node.children))
        else:  # a new inline type must be rendered, never dropped
            raise TypeError(f"no QTI rendering for {type(node).__name__}")
    return "".join(parts)


# -- the assessmentTest -------------------------------------------------------------------


def test_document(questions: list[Question], syllabus: Syllabus, options: ExportOptions, title: str) -> str:
    """The assessmentTest document."""
    sections = []
    for n, (section_title, select, section_questions) in enumerate(_test_sections(questions, syllabus, options), 1):
        children = []
        if select is not None:
            if select > len(section_questions):
                raise FormatError(
                    f"section {section_title!r} draws {select} questions but only {len(section_questions)} match it"
                )
            children += [f'      <selection select="{select}"/>', '      <ordering shuffle="true"/>']
        for question in section_questions:
            ident = identifier(question.id)
            children.append(f'      <assessmentItemRef identifier="{ident}" href="items/{ident}.xml"/>')
        sections += _element("    ", "assessmentSection",
                             f' identifier="section-{n}" title="{escape_attribute(section_title)}" visible="true"', children)
    lines = [
        XML_DECLARATION,
        f'<assessmentTest {QTI_ROOT_ATTRIBUTES} identifier="{identifier("test-" + syllabus.id)}" '
        f'title="{escape_attribute(title)}">',
        _outcome("SCORE", "0"),
        _outcome("MAXSCORE", "0"),
        *_element("  ", "testPart", ' identifier="part-1" navigationMode="nonlinear" submissionMode="individual"',
                  sections),
        "  <outcomeProcessing>",
    ]
    for outcome in ("SCORE", "MAXSCORE"):
        lines += [f'    <setOutcomeValue identifier="{outcome}">', "      <sum>",
                  f'        <testVariables variableIdentifier="{outcome}"/>', "      </sum>", "    </setOutcomeValue>"]
    lines += ["  </outcomeProcessing>", "</assessmentTest>\n"]
    return "\n".join(lines)


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


MANIFEST_ROOT_ATTRIBUTES = (
    f'xmlns="{CP_NS}" xmlns:lom="{LOM_NS}" xmlns:imsqti="{QTI_META_NS}" xmlns:xsi="{XSI_NS}" '
    f'xsi:schemaLocation="{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd '
    f'{LOM_NS} http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd '
    f'{QTI_META_NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_metadata_v2p1.xsd"'
)


def manifest_document(items: dict[str, Question], titles: dict[str, str], syllabus: Syllabus, title: str) -> str:
    """imsmanifest.xml: the package metadata, the test resource and one resource per item."""
    parts = [
        XML_DECLARATION,
        f'<manifest {MANIFEST_ROOT_ATTRIBUTES} identifier="{identifier("manifest-" + syllabus.id)}">',
        "  <metadata>",
        "    <schema>QTIv2.1 Package</schema>",
        "    <schemaversion>1.0.0</schemaversion>",
        "    <lom:lom>",
        "      <lom:general>",
        *_lang_string("        ", "lom:title", title),
        "      </lom:general>",
        "    </lom:lom>",
        "  </metadata>",
        "  <organizations/>",
        "  <resources>",
        f'    <resource identifier="test-resource" type="imsqti_test_xmlv2p1" href="{TEST_FILE}">',
        f'      <file href="{TEST_FILE}"/>',
        *(f'      <dependency identifierref="item-{ident}"/>' for ident in items),
        "    </resource>",
    ]
    metadata = _ItemMetadata(syllabus)
    for ident, question in items.items():
        href = f"items/{ident}.xml"
        parts += [
            f'    <resource identifier="item-{ident}" type="imsqti_item_xmlv2p1" href="{href}">',
            "      <metadata>",
            metadata.lom(question, titles[ident]),
            _qti_metadata(bool(question.explanation) or any(option.rationale for option in question.options)),
            "      </metadata>",
            f'      <file href="{href}"/>',
            "    </resource>",
        ]
    parts += ["  </resources>", "</manifest>\n"]
    return "\n".join(parts)


class _ItemMetadata:
    """Each item's LOM record, at its place in the manifest. The parts that
    depend on a section or a Bloom level only are written once per export."""

    def __init__(self, syllabus: Syllabus):
        self.syllabus = syllabus
        self.catalog = f"              <lom:catalog>{escape_text(f'qbank:{syllabus.id}')}</lom:catalog>"
        self.trails = {section.id: ancestors + (section,) for section, ancestors in syllabus.walk()}
        self.taxon_paths: dict[str, str] = {}
        self.blooms: dict[str, str] = {}

    def lom(self, question: Question, title: str) -> str:
        lines = [
            "        <lom:lom>",
            "          <lom:general>",
            "            <lom:identifier>",
            self.catalog,
            f"              <lom:entry>{escape_text(question.id)}</lom:entry>",
            "            </lom:identifier>",
            *_lang_string("            ", "lom:title", title),
        ]
        for tag in question.tags:
            lines += _lang_string("            ", "lom:keyword", tag)
        lines.append("          </lom:general>")
        if question.difficulty in LOM_DIFFICULTY:
            lines += ["          <lom:educational>", "            <lom:difficulty>",
                      "              <lom:source>LOMv1.0</lom:source>",
                      f"              <lom:value>{LOM_DIFFICULTY[question.difficulty]}</lom:value>",
                      "            </lom:difficulty>", "          </lom:educational>"]
        if question.syllabus:
            lines += _classification("discipline", [self.taxon_path(section_id) for section_id in question.syllabus])
        if question.bloom:
            lines.append(self.bloom(question.bloom))
        lines.append("        </lom:lom>")
        return "\n".join(lines)

    def taxon_path(self, section_id: str) -> str:
        """The taxonPath from the syllabus root down to ``section_id``."""
        path = self.taxon_paths.get(section_id)
        if path is None:
            trail = [(section.id, section.title) for section in self.trails.get(section_id, ())]
            path = _taxon_path(f"{self.syllabus.title} syllabus", trail or [(section_id, section_id)])
            self.taxon_paths[section_id] = path
        return path

    def bloom(self, level: str) -> str:
        classification = self.blooms.get(level)
        if classification is None:
            classification = self.blooms[level] = "\n".join(
                _classification("educational objective", [_taxon_path(BLOOM_SOURCE, [(level, level)])]))
        return classification


def _classification(purpose: str, taxon_paths: list[str]) -> list[str]:
    return ["          <lom:classification>", "            <lom:purpose>",
            "              <lom:source>LOMv1.0</lom:source>",
            f"              <lom:value>{purpose}</lom:value>", "            </lom:purpose>",
            *taxon_paths, "          </lom:classification>"]


def _taxon_path(source: str, taxa: list[tuple[str, str]]) -> str:
    lines = ["            <lom:taxonPath>", *_lang_string("              ", "lom:source", source)]
    for taxon_id, entry in taxa:
        lines += ["              <lom:taxon>", f"                <lom:id>{escape_text(taxon_id)}</lom:id>",
                  *_lang_string("                ", "lom:entry", entry), "              </lom:taxon>"]
    lines.append("            </lom:taxonPath>")
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _qti_metadata(has_feedback: bool) -> str:
    return "\n".join([
        "        <imsqti:qtiMetadata>",
        "          <imsqti:timeDependent>false</imsqti:timeDependent>",
        "          <imsqti:interactionType>choiceInteraction</imsqti:interactionType>",
        f"          <imsqti:feedbackType>{'nonadaptive' if has_feedback else 'none'}</imsqti:feedbackType>",
        "          <imsqti:solutionAvailable>true</imsqti:solutionAvailable>",
        "          <imsqti:toolName>qbank</imsqti:toolName>",
        f"          <imsqti:toolVersion>{escape_text(__version__)}</imsqti:toolVersion>",
        "        </imsqti:qtiMetadata>",
    ])


def _lang_string(pad: str, tag: str, text: str) -> list[str]:
    """``tag`` holding ``text`` as a LOM LangString (English)."""
    return [f"{pad}<{tag}>", f'{pad}  <lom:string language="en">{escape_text(text)}</lom:string>', f"{pad}</{tag}>"]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
