"""HTML from LMS files -> qbank's Markdown subset, with the stdlib html.parser.

The inverse of ``markup.to_html``: <p>, <br>, <strong>/<b>, <em>/<i>,
<code>, <ol>/<ul>/<li> become the subset; entities are decoded. Any other
tag (img, a, span, table, ...) is kept as literal text, never dropped, and
named in ``Converted.kept_tags`` so the importer can report it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_BLOCK_TAGS = {"p", "ol", "ul", "li"}
_INLINE_MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
_SILENT_TAGS = {"br"} | _BLOCK_TAGS | set(_INLINE_MARKS)
# What a source editor wraps lines with: line ends are blanks in HTML.
_NEWLINE_RUN = re.compile(r"[ \t]*[\r\n]+[ \t]*")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*])")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


@dataclass(frozen=True)
class Converted:
    text: str
    kept_tags: tuple[str, ...] = ()


def looks_like_html(text: str) -> bool:
    return _TAG.search(text) is not None


def escape_markdown(text: str) -> str:
    """Literal text as the subset: backslash the characters that start markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def html_to_markdown(source: str) -> Converted:
    # Most option texts and rationales are one plain paragraph: no parser needed.
    inner = source.strip()
    if inner.startswith("<p>") and inner.endswith("</p>"):
        inner = inner[3:-4]
    if "<" not in inner and "&" not in inner:
        if "\n" in inner or "\r" in inner:
            inner = _NEWLINE_RUN.sub(" ", inner)
        return Converted(escape_markdown(inner.strip()) if _MARKDOWN_SPECIAL.search(inner) else inner.strip())
    parser = _Converter()
    parser.feed(source)
    parser.close()
    return Converted(parser.result(), tuple(sorted(parser.kept)))


class _Converter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.line: list[str] = []  # the current paragraph or list item
        self.lists: list[list] = []  # open lists: [ordered, next number, items]
        self.code_depth = 0
        self.kept: set[str] = set()

    # -- structure --------------------------------------------------------

    def _flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        lines = [part.strip() for part in text.split("\n")]
        text = "\n".join(lines).strip("\n")
        if not text.strip():
            return
        if self.lists:
            ordered, number, items = self.lists[-1]
            marker = f"{number}." if ordered else "-"
            self.lists[-1][1] += 1
            # Continuation lines are indented so they stay in the item.
            items.append(f"{marker} " + "\n   ".join(text.split("\n")))
        else:
            self.blocks.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li"):
            self._flush()
        elif tag in ("ol", "ul"):
            self._flush()
            start = dict(attrs).get("start") if tag == "ol" else None
            number = int(start) if start and start.isdigit() else 1
            self.lists.append([tag == "ol", number, []])
        elif tag == "br":
            self.line.append("\n")
        elif tag in _INLINE_MARKS:
            if tag == "code":
                self.code_depth += 1
            self.line.append(_INLINE_MARKS[tag])
        else:
            self._keep(tag, self.get_starttag_text() or f"<{tag}>")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.line.append("\n")
        elif tag in _SILENT_TAGS:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)
        else:
            self._keep(tag, self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag):
        if tag in ("p", "li"):
            self._flush()
        elif tag in ("ol", "ul"):
            self._flush()
            if self.lists:
                _, _, items = self.lists.pop()
                if items:
                    self.blocks.append("\n".join(items))
        elif tag in _INLINE_MARKS:
            if tag == "code":
                self.code_depth = max(0, self.code_depth - 1)
            self.line.append(_INLINE_MARKS[tag])
        elif tag != "br":
            self._keep(tag, f"</{tag}>")

    def _keep(self, tag: str, raw: str) -> None:
        self.kept.add(tag)
        self.line.append(escape_markdown(_NEWLINE_RUN.sub(" ", raw)))

    def handle_data(self, data):
        data = _NEWLINE_RUN.sub(" ", data)
        self.line.append(data if self.code_depth else escape_markdown(data))

    def result(self) -> str:
        self._flush()
        while self.lists:
            _, _, items = self.lists.pop()
            if items:
                self.blocks.append("\n".join(items))
        return "\n\n".join(self.blocks)
