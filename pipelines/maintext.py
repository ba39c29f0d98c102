"""Which text is a page's main text: trafilatura's, the marked body's, the largest block of
paragraphs', or a listing's region, by thresholds measured on real pages (benchmarks/quality)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

from . import heuristics
from .cleanup import block_text, drop_noise_lines, normalize_space
from .platforms import select_first

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: trafilatura's text is cut short when it holds less than RECALL_RATIO of the
#: reference text: the text of the page's largest block of paragraphs, or of the marked
#: body. A marked body holds the platform's widgets too (sign-up forms, product cards,
#: donation pleas), so there trafilatura's text is cut short only when it is also
#: under SHORT_TEXT characters, or under MIN_RATIO of the body's (a sliver of a long
#: body: an index laid out in a post's body): a long text that trafilatura kept is the
#: article cleaned of them. Measured on the development corpus (benchmarks/quality):
#: article F1 is flat for SHORT_TEXT 1,000-1,500 and MIN_RATIO 0-0.3.
RECALL_RATIO = 0.6


SHORT_TEXT = 1500


MIN_RATIO = 0.3


#: trafilatura's text under this share of the pruned page's (or body's) text is tried
#: again in recall mode, and the recall text is taken when it is RECALL_GAIN times
#: longer. On the development corpus that raised 24 article pages and lowered 1
#: (+0.004 F1); F1 is flat for RECALL_TRY 0.7-1.0, and 0.7 runs recall mode on 15 %
#: of pages rather than on all of them (about +9 % extraction time).
RECALL_TRY = 0.7


RECALL_GAIN = 1.1


#: where a listing's entries are, most specific first
_MAIN_REGION = ("main", "[role='main']", "#main", "#content", ".blog-posts", "body")


def listing_text(tree: HtmlElement) -> str:
    """A listing's text: its heading, entry titles and excerpts, one per line, from the
    pruned main region. trafilatura is made for one article and drops most of a list."""
    region = select_first(tree, _MAIN_REGION)
    return drop_noise_lines(block_text(region if region is not None else tree)).strip()


def main_text(tree: HtmlElement, body: HtmlElement | None, url: str) -> tuple[str, str]:
    """The main text and the strategy that produced it (the `extractor` column).

    1. trafilatura on the platform-marked body, or on the pruned page: `trafilatura`.
    2. That text holds less than RECALL_TRY of the body's or pruned page's text:
       trafilatura again in recall mode, `trafilatura_recall` when RECALL_GAIN times
       longer. Or that text is cut short (`_cut_short`: against the marked body's
       text, or the page's largest block of paragraphs): recall mode, if not cut short.
    3. Still cut short: the body's own block text, `marked_body` (the platform says
       that is the post), or the largest block's, `largest_block`.
    """
    _unlink_introduced_lists(body if body is not None else tree)
    # trafilatura drops figures, and blocks whose class names a "card" or "image": a
    # figure holds tables, quotes and code as often as images, so figures become plain
    # blocks. Their captions are left to trafilatura, which drops them: on real pages
    # they are photo credits and picture notes more than the article's text (kept,
    # they scored lower on the development corpus, in marked bodies too)
    for element in (body if body is not None else tree).iter("figure"):
        element.tag = "div"
        for name in ("class", "id"):
            element.attrib.pop(name, None)
    if body is not None:
        wrapper = lxml.html.Element("html")
        page = lxml.html.Element("body")
        wrapper.append(page)
        article = lxml.html.Element("article")
        article.append(copy.deepcopy(body))
        page.append(article)
        source, reference = wrapper, drop_noise_lines(block_text(body)).strip()
    else:
        block = largest_block(tree)
        source, reference = tree, drop_noise_lines(block_text(block)).strip() if block is not None else ""
    text = _trafilatura_text(source, url)
    return choose_text(
        text,
        lambda: _trafilatura_text(source, url, favor_recall=True),
        reference,
        len(normalize_space(source.text_content())),
        marked=body is not None,
    )


def choose_text(
    text: str, recall: Callable[[], str], reference: str, pruned_size: int, marked: bool
) -> tuple[str, str]:
    """Steps 2 and 3 of `main_text` as a pure rule: trafilatura's `text`, or its
    `recall` mode's (run only when asked for), or the `reference` text (the marked
    body's, or the largest block's), with the `extractor` name. `pruned_size` is the
    length of the text trafilatura was given."""
    cut_short = _cut_short(text, reference, marked)
    if not cut_short and len(text) >= RECALL_TRY * pruned_size:
        return text, "trafilatura"
    # trafilatura kept less than RECALL_TRY of what the prune left: its recall mode
    # often keeps the rest of the article (sections in <div>s, lists, tables)
    longer = recall()
    if not cut_short:
        return (longer, "trafilatura_recall") if len(longer) >= RECALL_GAIN * len(text) else (text, "trafilatura")
    if not _cut_short(longer, reference, marked):
        return longer, "trafilatura_recall"
    return reference, "marked_body" if marked else "largest_block"


def _cut_short(text: str, reference: str, marked: bool) -> bool:
    """Whether trafilatura's `text` has lost the article that `reference` holds."""
    if len(text) >= RECALL_RATIO * len(reference):
        return False
    return not marked or len(text) < SHORT_TEXT or len(text) < MIN_RATIO * len(reference)


def light_text(tree: HtmlElement, body: HtmlElement | None) -> tuple[str, str]:
    """The main text of a page too large for trafilatura: the marked body's block text,
    else the largest block of paragraphs (strategies 2 and 3 of `main_text`)."""
    if body is not None:
        return drop_noise_lines(block_text(body)).strip(), "marked_body"
    block = largest_block(tree)
    return (drop_noise_lines(block_text(block)).strip() if block is not None else ""), "largest_block"


def _trafilatura_text(source: HtmlElement, url: str, favor_recall: bool = False) -> str:
    """trafilatura's main text (it works on copies of `source`), without counter lines."""
    return drop_noise_lines(heuristics.main_text(source, url, favor_recall)).strip()


def largest_block(tree: HtmlElement, outside: Sequence[HtmlElement] = ()) -> HtmlElement | None:
    """The element whose own paragraphs hold the most text: where an unmarked post's
    body most likely is (navigation and sidebars are lists and short lines). Paragraphs
    inside the `outside` elements (the comment sections) do not count."""
    skip = {p for region in outside for p in region.iter("p", "pre", "blockquote")}
    sizes: dict[HtmlElement, int] = {}
    for paragraph in tree.iter("p", "pre", "blockquote"):
        parent = paragraph.getparent()
        if parent is not None and paragraph not in skip:
            sizes[parent] = sizes.get(parent, 0) + len(normalize_space(paragraph.text_content()))
    return max(sizes, key=sizes.__getitem__) if sizes else None


def is_the_post(body: HtmlElement, block: HtmlElement | None) -> bool:
    """Whether a marked body is the post: not when the page's largest block of
    paragraphs lies apart from it (neither inside nor around it) and holds more text.
    Selectors such as `main article` or `.post-content` also match a teaser card of
    another post that comes first."""
    if (
        block is None
        or block is body
        or any(a is block for a in body.iterancestors())
        or any(a is body for a in block.iterancestors())
    ):
        return True
    outside = sum(len(normalize_space(p.text_content())) for p in block.iterchildren("p", "pre", "blockquote"))
    return len(normalize_space(body.text_content())) >= outside


def _unlink_introduced_lists(root: HtmlElement) -> None:
    """A list of links that a paragraph of the article's flow introduces ("Getting
    started:") is the article's: its links become plain text, which trafilatura keeps
    (it drops lists dense with links as navigation)."""
    paragraphs: dict[HtmlElement, int] = {}  # per parent: a page of many lists asks each parent once
    for listing in list(root.iter("ul", "ol")):
        before, parent = listing.getprevious(), listing.getparent()
        if (
            parent is None
            or before is None
            or before.tag != "p"
            or not normalize_space(before.text_content()).endswith(":")
        ):
            continue
        if parent not in paragraphs:
            paragraphs[parent] = sum(1 for _ in parent.iterchildren("p"))
        # in the article's flow of paragraphs, not a sidebar's "Follow us:" box
        if paragraphs[parent] >= 3 and listing.find(".//a") is not None:
            etree.strip_tags(listing, "a")
