"""What each line of a page's clean text was on the page: a heading, a list item, a quote,
a line of code, a table row, or a paragraph.

The clean text is one block per line and stays plain (its hash decides whether a page
changed, and analysis wants words, not markup). Its structure is kept beside it, one
kind per line (the `line_kinds` column), so a reader can show headings as headings and
a researcher can pick out a post's section titles.

The kinds are found after extraction, from the page's tree: a line is a heading when
its words are a heading's words, and so on. This serves every strategy that produces
text (trafilatura, the marked body, the largest block, a listing) without threading
markup through each of them; a line no element accounts for is a paragraph.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["BULLET", "KINDS", "PARAGRAPH", "TABLE_ROW", "line_kinds"]

PARAGRAPH = "p"
#: every kind a line can have
KINDS = (PARAGRAPH, "h1", "h2", "h3", "h4", "h5", "h6", "li", "quote", "pre", "table")

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
#: blocks inside a quote that trafilatura writes as lines of their own
_QUOTE_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dd", "dt")
#: a row of a table as trafilatura writes it: `| cell | cell |`, and `|---|---|` under the header
TABLE_ROW = re.compile(r"^\|.*\|$")
#: list items are written `- item` by trafilatura (the other strategies write the item alone)
BULLET = re.compile(r"^[-*•]\s+")


def _key(text: str) -> str:
    """A line's words with no spaces: trafilatura and lxml space inline markup differently."""
    return "".join(text.split())


def line_kinds(tree: HtmlElement, text: str) -> list[str]:
    """One kind (of `KINDS`) per line of `text`, read from the elements of `tree` (the
    page the text was extracted from) whose words the line is."""
    lines = text.split("\n")
    keys = [_key(line) for line in lines]
    items = [_key(BULLET.sub("", line)) for line in lines]
    wanted = (set(keys) | set(items)) - {""}
    found: dict[str, str] = {}

    def mark(element_text: str, kind: str) -> None:
        key = _key(element_text)
        if key in wanted and key not in found:
            found[key] = kind

    quotes = []
    for element in tree.iter(*_HEADINGS, "pre", "li", "blockquote"):
        tag = element.tag
        if tag == "pre":
            for line in element.text_content().split("\n"):
                mark(line, "pre")
        elif tag == "blockquote":
            quotes.append(element)
        else:
            mark(element.text_content(), tag)
    # after headings, lists and code, which keep their kind inside a quote
    for element in quotes:
        mark(element.text_content(), "quote")
        for block in element.iter(*_QUOTE_BLOCKS):
            mark(block.text_content(), "quote")
    tables = next(tree.iter("table"), None) is not None
    kinds = []
    for line, key, item in zip(lines, keys, items):
        kind = found.get(key)
        if kind is None and item != key and found.get(item) == "li":
            kind = "li"
        if kind is None and tables and TABLE_ROW.match(line.strip()):
            kind = "table"
        kinds.append(kind or PARAGRAPH)
    return kinds
