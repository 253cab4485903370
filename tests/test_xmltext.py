import re

import pytest
from hypothesis import given, settings

from conftest import make_question
from qbank.formats.xmltext import InvalidXmlText, check_question, question_text_values, question_texts, xml_can_carry
from qbank_strategies import questions

# XML 1.0's Char production (w3.org/TR/xml/#charsets), written independently of xmltext.
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def test_the_fast_test_agrees_with_xml_for_every_code_point():
    # Every code point of the BMP, where all the exclusions are; beyond it, UTF-8
    # sequences of four bytes, every 257th one and the last (all of them takes seconds).
    codes = [*range(0x10000), *range(0x10000, 0x110000, 257), 0x10FFFF]
    disagree = [hex(code) for code in codes if xml_can_carry(chr(code)) != bool(XML_CHAR.fullmatch(chr(code)))]
    assert disagree == []


@pytest.mark.parametrize("bad", ["\x00", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"])
def test_one_bad_character_anywhere_in_a_long_text_is_found(bad):
    text = "é" * 500 + bad + "\U0001F600" * 500
    assert not xml_can_carry(text)
    assert xml_can_carry(text.replace(bad, "\ufffd"))


def test_a_question_is_checked_field_by_field_only_when_it_fails():
    check_question(make_question(stem="tab\tnewline\nreturn\r emoji \U0001F600 RTL \u05e9"))
    with pytest.raises(InvalidXmlText, match=r"q-001: stem contains the character U\+FFFF at position 3"):
        check_question(make_question(stem="abc\uffff"))


@settings(max_examples=60, deadline=None)
@given(questions())
def test_the_fast_path_sees_every_field_the_field_by_field_check_sees(question):
    # An absent field is "" in the fast path's list and missing from question_texts.
    assert sorted(text for _, text in question_texts(question) if text) == \
        sorted(text for text in question_text_values(question) if text)
