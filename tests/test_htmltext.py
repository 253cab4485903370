from hypothesis import given, settings

from qbank.htmltext import escape_markdown, html_to_markdown, looks_like_html
from qbank.markup import parse, to_html
from qbank_strategies import texts


def test_the_subset_tags_become_markdown():
    converted = html_to_markdown("<p>A <b>bold</b>, <i>italic</i> and <code>x*y</code> line<br>two</p>"
                                 "<ol start=\"3\"><li>three</li><li>four</li></ol><ul><li>dot</li></ul>")
    assert converted.text == "A **bold**, *italic* and `x*y` line\ntwo\n\n3. three\n4. four\n\n- dot"
    assert converted.kept_tags == ()


def test_entities_are_decoded_and_markdown_characters_escaped():
    assert html_to_markdown("<p>5 &lt; 6 &amp; 2*3 &gt; 1 \\ ok&nbsp;!</p>").text == "5 < 6 & 2\\*3 > 1 \\\\ ok\xa0!"


def test_other_tags_are_kept_as_text_and_named():
    converted = html_to_markdown('<p>See <a href="x.html">this</a> <img src="@@PLUGINFILE@@/a*b.png"/></p>')
    assert converted.text == 'See <a href="x.html">this</a> <img src="@@PLUGINFILE@@/a\\*b.png"/>'
    assert converted.kept_tags == ("a", "img")
    # Kept tags come back as the same literal text, never as markup.
    assert to_html(converted.text).count("&lt;a href") == 1


def test_source_line_breaks_are_spaces_and_attributes_of_p_are_dropped():
    converted = html_to_markdown('<p dir="ltr" style="text-align: left;">one\n   two</p>\n<p>three</p>')
    assert converted.text == "one two\n\nthree"
    assert converted.kept_tags == ()


def test_helpers():
    assert looks_like_html("a <b>c</b>") and not looks_like_html("a < b and c > d")
    assert escape_markdown("a*b`c\\d") == "a\\*b\\`c\\\\d"


@settings(max_examples=300, deadline=None)
@given(texts())
def test_to_html_and_back_gives_the_same_tree(text):
    assert parse(html_to_markdown(to_html(text)).text) == parse(text)
