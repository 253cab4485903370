from qbank import markup
from qbank.markup import Code, Emphasis, LineBreak, ListBlock, Paragraph, Strong, Text, has_markup


def test_plain_text_is_one_paragraph():
    assert markup.parse("Mars is red.") == (Paragraph((Text("Mars is red."),)),)


def test_inline_markup():
    assert markup.parse("a **b** *c* `d*e`") == (
        Paragraph((Text("a "), Strong((Text("b"),)), Text(" "), Emphasis((Text("c"),)), Text(" "), Code("d*e"))),
    )


def test_itil_list_style_stem():
    blocks = markup.parse("Which **two** are CORRECT?\n\n1. one\n2. two *x*")
    assert blocks[1] == ListBlock(True, ((Text("one"),), (Text("two "), Emphasis((Text("x"),)))), 1)


def test_list_directly_after_a_paragraph_line():
    blocks = markup.parse("Consider:\n1. a\n2. b")
    assert isinstance(blocks[0], Paragraph) and isinstance(blocks[1], ListBlock)


def test_single_newline_is_a_line_break_and_blank_line_a_new_paragraph():
    assert markup.parse("a\nb\n\nc") == (
        Paragraph((Text("a"), LineBreak(), Text("b"))),
        Paragraph((Text("c"),)),
    )


def test_lone_asterisks_and_escapes_stay_literal():
    assert markup.to_plain("2 * 3 * 4") == "2 * 3 * 4"
    assert markup.to_plain(r"a \*b\* c") == "a *b* c"


def test_bullets_and_continuation_lines():
    blocks = markup.parse("- first\n  more\n- second")
    assert blocks == (ListBlock(False, ((Text("first"), LineBreak(), Text("more")), (Text("second"),))),)


def test_html_escapes_text():
    assert markup.to_html("a < b & **c**") == "<p>a &lt; b &amp; <strong>c</strong></p>"
    assert markup.to_html("x\n\n3. c\n4. d") == '<p>x</p><ol start="3"><li>c</li><li>d</li></ol>'


def test_normalize_ignores_markup_case_and_punctuation():
    assert markup.normalize("What is **Value**?") == markup.normalize("what is value")


def test_has_markup_prechecks_answer_what_the_patterns_answer():
    import re

    def by_patterns(text):
        return re.search(r"[*`\\\n]", text) is not None or re.match(r"\s*(?:\d+[.)]|-)\s", text) is not None

    for text in ("Plain text.", "  12. A list?", "12 months", "- a bullet", "-1 degrees", "a **bold** word",
                 "line\nbreak", "\u00a0\u0661. Arabic-Indic digit", "`code`", "back\\slash", "   "):
        assert has_markup(text) == by_patterns(text), text
