"""Hypothesis strategies for questions, shared by the format round-trip tests."""

from __future__ import annotations

from hypothesis import strategies as st

from qbank.markup import parse
from qbank.model import Option, Question

# Words carry the characters formats must escape (GIFT's ~ = # { } :, XML's
# < > &, quotes, backslash, percent); markup comes only from whole tokens.
_WORD_CHARS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789éß~=#{}:<>&'\"%/\\.,?!()[]-"))
_WORD = st.text(_WORD_CHARS, min_size=1, max_size=8).filter(lambda w: not w.startswith(("-", "//")) and "\\n" not in w)
_PLAIN_WORD = st.text(st.sampled_from(list("abcdefghijklmnopqrstuvwxyz")), min_size=1, max_size=8)
_TOKEN = st.one_of(
    _WORD, _WORD, _WORD,
    _PLAIN_WORD.map(lambda w: f"**{w}**"),
    _PLAIN_WORD.map(lambda w: f"*{w}*"),
    _PLAIN_WORD.map(lambda w: f"`{w}`"),
)
_LINE = st.lists(_TOKEN, min_size=1, max_size=8).map(" ".join).filter(lambda t: not t[:1].isdigit())


@st.composite
def texts(draw, multiline: bool = True) -> str:
    """Text in the Markdown subset; with ``multiline``, possibly several paragraphs, a line break or a list."""
    first = draw(_LINE)
    if not multiline:
        return first
    shape = draw(st.sampled_from(["one", "one", "paragraphs", "break", "list"]))
    if shape == "paragraphs":
        return first + "\n\n" + draw(_LINE)
    if shape == "break":
        return first + "\n" + draw(_LINE)
    if shape == "list":
        items = draw(st.lists(_LINE, min_size=1, max_size=3))
        return first + "\n\n" + "\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1))
    return first


def _distinct(options):
    from qbank.markup import normalize

    keys = [normalize(o.text) for o in options]
    return all(keys) and len(set(keys)) == len(keys)


@st.composite
def questions(draw, types=("single", "multiple", "truefalse"), multiline=True, rationales=True) -> Question:
    qtype = draw(st.sampled_from(types))
    optional = (lambda: draw(st.one_of(st.none(), texts(multiline)))) if rationales else (lambda: None)
    if qtype == "truefalse":
        answer = draw(st.booleans())
        options = (Option("True", answer, optional()), Option("False", not answer, optional()))
    else:
        count = draw(st.integers(2, 6))
        line_texts = draw(st.lists(texts(False), min_size=count, max_size=count))
        if qtype == "single":
            right = {draw(st.integers(0, count - 1))}
        else:
            right = set(draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=count, unique=True)))
        options = tuple(Option(t, n in right, optional()) for n, t in enumerate(line_texts))
        if not _distinct(options):
            from hypothesis import reject

            reject()
    number = draw(st.integers(1, 999))
    section = draw(st.sampled_from(["1", "1.1", "2"]))
    others = draw(st.lists(st.sampled_from(["1", "1.1", "2"]), unique=True, max_size=2))
    points = draw(st.sampled_from([1, 2, 0.5]))
    return Question(
        id=f"rt-{section.replace('.', '-')}-{number:03d}",
        type=qtype,
        stem=draw(texts(multiline)),
        options=options,
        explanation=draw(st.one_of(st.none(), texts(multiline))) if rationales else None,
        syllabus=(section,) + tuple(o for o in others if o != section),
        tags=tuple(draw(st.lists(st.sampled_from(["recall", "scenario", "list-style", "v4.1"]), unique=True, max_size=3))),
        difficulty=draw(st.sampled_from([None, "easy", "medium", "hard"])),
        bloom=draw(st.sampled_from([None, "remember", "apply"])),
        points=points,
        shuffle=draw(st.booleans()),
        status="draft",
    )


def tree(text: str | None):
    """Texts are equal when they parse to the same Markdown tree."""
    return parse(text) if text else ()
