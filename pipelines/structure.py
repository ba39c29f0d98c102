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

import bisect
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lxml import etree

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
    page the text was extracted from) whose words the line is.

    Lines are matched to the page's blocks in order: a paragraph with the words of a
    heading above it is the next block with those words, a paragraph, not the heading."""
    lines = text.split("\n")
    keys = [_key(line) for line in lines]
    items = [_key(BULLET.sub("", line)) for line in lines]
    wanted = (set(keys) | set(items)) - {""}
    blocks = [(key, kind) for key, kind in _page_blocks(tree, _budget(text)) if key in wanted]
    at: dict[str, list[int]] = {}
    items_at: dict[str, list[int]] = {}  # list items alone, for `- item` lines
    for index, (key, kind) in enumerate(blocks):
        at.setdefault(key, []).append(index)
        if kind == "li":
            items_at.setdefault(key, []).append(index)
    tables = next(tree.iter("table"), None) is not None
    kinds = []
    last = -1
    for line, key, item in zip(lines, keys, items):
        position = _next(at.get(key), last)
        if position is None and item != key:  # `- item`: a list item's words
            position = _next(items_at.get(item), last)
        if position is not None:
            last = position
            kinds.append(blocks[position][1])
        elif tables and TABLE_ROW.match(line.strip()):
            kinds.append("table")
        else:
            kinds.append(PARAGRAPH)
    return kinds


def _next(positions: list[int] | None, last: int) -> int | None:
    """The first of `positions` after `last`, else the first of all (text out of the
    page's order), else None."""
    if not positions:
        return None
    index = bisect.bisect_right(positions, last)
    return positions[index] if index < len(positions) else positions[0]


def _budget(text: str) -> int:
    """Characters of element text read at most: the text's own length many times over.
    A hostile page nests lists or quotes thousands deep, where each element's text is
    its whole subtree's; past the budget the remaining lines are paragraphs."""
    return 20 * len(text) + 1_000_000


def _page_blocks(tree: HtmlElement, budget: int) -> Iterator[tuple[str, str]]:
    """(words, kind) of the page's blocks in document order: headings, paragraphs
    (`quote` inside a quote), list items, the lines of code, quotes without blocks of
    their own whole."""
    quotes = 0  # blockquotes open around the element: one walk, however deep they nest
    for event, element in etree.iterwalk(
        tree, events=("start", "end"), tag=(*_HEADINGS, "p", "li", "pre", "blockquote")
    ):
        tag = element.tag
        if tag == "blockquote":
            quotes += 1 if event == "start" else -1
        if event == "end":
            continue
        if tag == "pre":
            lines = _code_lines(element)
        elif tag == "blockquote":
            if any(child.tag in _QUOTE_BLOCKS or child.tag == "blockquote" for child in element):
                continue  # its blocks are read one by one
            lines = [element.text_content()]
        else:
            lines = [element.text_content()]
        kind = (
            "pre"
            if tag == "pre"
            else "quote"
            if tag == "blockquote" or tag == "p" and quotes
            else (PARAGRAPH if tag == "p" else tag)
        )
        for line in lines:
            budget -= len(line)
            if budget < 0:
                return
            yield _key(line), kind


def _code_lines(pre: HtmlElement) -> list[str]:
    """The lines of a `<pre>`, where a `<br>` (code widgets write them) ends a line too,
    as trafilatura reads them."""
    parts: list[str] = []
    for event, node in etree.iterwalk(pre, events=("start", "end")):
        if event == "start":
            if node.tag == "br":
                parts.append("\n")
            if isinstance(node.tag, str) and node.text:
                parts.append(node.text)
        elif node is not pre and node.tail:
            parts.append(node.tail)
    return "".join(parts).split("\n")
