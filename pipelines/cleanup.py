"""Platform-aware clean-up: read what the markup says, then prune boilerplate.

Pure functions over an lxml tree. `read_markup` runs first (the author name
and the comments live in elements that `prune` then removes).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lxml import etree

from .counters import counter_value, counters_in_texts, short_texts
from .platforms import GENERIC, IndexedTree, PlatformProfile, select, select_first
from .platforms.generic import BOILERPLATE_WORDS, COUNTER_TEXT

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_COMMENT_AUTHORS = (
    ".comment-author .fn",
    ".comment-author cite",
    ".comment-header .user",
    "[data-hook='comment'] [data-hook*='user-name']",
    "[data-hook='comment'] [data-hook*='author']",
    ".wp-block-comment-author-name",
)
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "table",
    "tr",
    "dd",
    "dt",
    "header",
    "footer",
}
_SHORT_TAGS = {"span", "div", "p", "li", "a", "button", "small", "time", "strong", "em", "b"}


@dataclass
class MarkupFacts:
    """What the platform's markup states about the post, read before pruning."""

    title: str | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    comment_authors: set[str] = field(default_factory=set)
    is_post: bool = False
    is_listing: bool = False
    is_page: bool = False


def normalize_space(text: str) -> str:
    return " ".join(text.split())


#: classes of text meant for screen readers only ("Post author", "Categories")
_SCREEN_READER_ONLY = re.compile(
    r"(?:^|\s)(screen-reader-text|sr-only|visually-hidden|visuallyhidden|assistive-text)(?:\s|$)"
)


def visible_text(element: HtmlElement) -> str:
    """The element's text without its screen-reader-only labels, whitespace normalised."""
    parts: list[str] = []
    stack: list[tuple[HtmlElement, bool]] = [(element, False)]
    while stack:  # its own stack, as in block_text
        node, closing = stack.pop()
        if closing or not isinstance(node.tag, str) or _SCREEN_READER_ONLY.search(node.get("class") or ""):
            if node is not element:
                parts.append(node.tail or "")
            continue
        parts.append(node.text or "")
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return normalize_space("".join(parts))


def _texts(elements: list[HtmlElement]) -> list[str]:
    seen: dict[str, None] = {}
    for element in elements:
        text = normalize_space(element.text_content()).lstrip("#")
        if text:
            seen.setdefault(text, None)
    return list(seen)


def read_markup(
    tree: HtmlElement | IndexedTree, profile: PlatformProfile | None, url: str | None = None
) -> MarkupFacts:
    """Title, author, tags, comments and page kind as the markup marks them."""
    profiles = [p for p in (profile, GENERIC) if p is not None]
    facts = MarkupFacts()
    for p in profiles:
        if facts.title is None and (el := select_first(tree, p.title)) is not None:
            facts.title = visible_text(el) or None
        if facts.author is None and (el := select_first(tree, p.author)) is not None:
            facts.author = visible_text(el) or None
        facts.tags = facts.tags or _texts(select(tree, p.tags))
        facts.categories = facts.categories or _texts(select(tree, p.categories))
        facts.comments = facts.comments or comment_texts(tree, p)
    facts.comment_authors = set(_texts(select(tree, _COMMENT_AUTHORS)))
    if profile is not None:
        path = urlsplit(url).path if url else ""
        facts.is_page = select_first(tree, profile.page_markers) is not None
        facts.is_post = select_first(tree, profile.post_markers) is not None or bool(
            profile.post_path and profile.post_path.search(path)
        )
        facts.is_listing = select_first(tree, profile.listing_markers) is not None or bool(
            profile.listing_path and profile.listing_path.search(path)
        )
    return facts


def comment_texts(tree: HtmlElement | IndexedTree, profile: PlatformProfile) -> list[str]:
    """One text per reader comment, outermost matches only (no nested doubles)."""
    items = select(tree, profile.comment_items)
    matched = set(items)
    outer = [e for e in items if not any(a in matched for a in e.iterancestors())]
    return [t for t in (_comment_text(e) for e in outer) if t]


#: a comment widget's controls: buttons, forms, hidden icons, and what their classes name
_COMMENT_CONTROLS = etree.XPath(
    ".//button | .//form | .//*[@role='button'] | .//*[@aria-hidden='true']"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' reply ')]"
    " | .//*[contains(@class, 'comment-actions') or contains(@class, 'comment-reply') or contains(@class, 'like-button')]"
)
#: lines of a comment widget's labels (English: the language of the widgets measured)
_COMMENT_LABEL = re.compile(
    r"^(reply|share|like|report|edit|delete|collapse|expand( full)? comment|see more|show more|"
    r"(liked|loved) by\b.*\b(\d+|others?|people)\b.*|\d+\s+(replies|reply|likes?))$",
    re.I,
)


def _comment_text(element: HtmlElement) -> str:
    """A comment's own words: without its widget's buttons, forms and labels."""
    comment = copy.deepcopy(element)
    for control in _COMMENT_CONTROLS(comment):
        control.drop_tree()
    return "\n".join(line for line in block_text(comment).split("\n") if not _COMMENT_LABEL.match(line))


def comment_regions(tree: HtmlElement | IndexedTree, profile: PlatformProfile | None) -> list[HtmlElement]:
    """The page's reader-comment sections and comments (the profile's, then generic)."""
    sections = [p.comment_sections + p.comment_items for p in (profile, GENERIC) if p is not None]
    return select(tree, tuple(s for group in sections for s in group))


def markup_counts(
    tree: HtmlElement | IndexedTree, profile: PlatformProfile | None, body: HtmlElement | None
) -> dict[str, int]:
    """Counters of the post itself: the platform's counter elements, then short texts
    ("120 views", "3 min read") in the post's header and footer, outside reader
    comments. A "recent posts" list shows counters too: they are not the post's."""
    root = tree.tree if isinstance(tree, IndexedTree) else tree
    titles = [p.title for p in (profile, GENERIC) if p is not None]
    scope = _post_scope(root, body, select_first(tree, (*(s for group in titles for s in group), "h1")))
    found: dict[str, int] = {}
    for kind, selector in profile.counters if profile is not None else ():
        if kind not in found:
            shown = (e for e in select(tree, (selector,)) if scope is None or _within(e, scope))
            values = (counter_value(kind, e.text_content()) for e in shown)
            if (value := next((v for v in values if v is not None), None)) is not None:
                found[kind] = value
    if scope is not None:
        for kind, value in counters_in_texts(short_texts(scope, comment_regions(tree, profile))).items():
            found.setdefault(kind, value)
    return found


def _within(element: HtmlElement, scope: HtmlElement) -> bool:
    return element is scope or any(a is scope for a in element.iterancestors())


def _post_scope(root: HtmlElement, body: HtmlElement | None, title: HtmlElement | None) -> HtmlElement | None:
    """The post with its header and footer: the nearest <article> or <main> around the
    body, or the nearest element holding both the body and the title; else the page's
    only <article>. None when that is unclear (a list of posts)."""
    if body is not None:
        holds_title = set(title.iterancestors()) if title is not None else set()
        return next(
            (a for a in body.iterancestors() if a.tag in ("article", "main") or a in holds_title), body.getparent()
        )
    articles = root.findall(".//article")
    return articles[0] if len(articles) == 1 else None


def find_body(tree: HtmlElement | IndexedTree, profile: PlatformProfile | None) -> HtmlElement | None:
    """The element the platform (or generic markup) marks as the post body."""
    for p in (profile, GENERIC):
        if p is not None and (el := select_first(tree, p.body)) is not None:
            return el
    return None


def prune(tree: HtmlElement | IndexedTree, profile: PlatformProfile | None, keep: HtmlElement | None = None) -> int:
    """Remove boilerplate from `tree` in place; never `keep` or an element holding it.

    Three passes: the profiles' selectors (platform, then generic), blocks whose
    class or id names boilerplate (share, related, cookie, ...) and are small
    next to the page's text, and short blocks whose whole text is a counter.
    Returns the number of elements removed. An `IndexedTree` is out of date after.
    """
    # Hold the proxies: lxml keeps one proxy per node only while it is referenced,
    # so identity (not id()) is what tells `keep` and its ancestors apart.
    protected = [] if keep is None else [keep, *keep.iterancestors()]
    doomed: list[HtmlElement] = []
    for p in (profile, GENERIC):
        if p is not None:
            doomed += select(tree, p.prune + p.comment_sections)
    root = tree.tree if isinstance(tree, IndexedTree) else tree
    page_size = len(normalize_space(root.text_content())) or 1
    body_size = len(normalize_space(keep.text_content())) if keep is not None else page_size
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if names.strip() and BOILERPLATE_WORDS.search(names) and element.tag not in ("html", "body"):
            # small next to what holds it: the body for blocks inside it, else the page
            inside = keep is not None and any(a is keep for a in element.iterancestors())
            if len(normalize_space(element.text_content())) < 0.4 * (body_size if inside else page_size):
                doomed.append(element)
        elif element.tag in _SHORT_TAGS and len(element) <= 4:
            text = element.text_content()
            if len(text) < 60 and COUNTER_TEXT.match(text):
                doomed.append(element)
    removed = 0
    for element in doomed:
        if element.getparent() is None or any(element is p for p in protected):
            continue
        if any(a.tag in ("pre", "code") for a in element.iterancestors()):
            continue  # a highlighter's token classes ("hljs-comment", "token comment") are code
        element.drop_tree()
        removed += 1
    return removed


def drop_noise_lines(text: str) -> str:
    """The text without lines that say nothing: only counters ("120 views", "3 min
    read"), only spaces and tabs, or table rows without a letter and at most one cell
    filled (a like bar laid out as a table: `| 6 | | |`). Trailing whitespace goes;
    empty lines stay (a code block's blank lines)."""
    return "\n".join(line.rstrip() for line in text.split("\n") if not _noise(line))


def _noise(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return bool(line)  # spaces and tabs: noise; an empty line: a code block's
    if COUNTER_TEXT.match(line):
        return True
    if stripped.startswith("|") and stripped.endswith("|") and not any(c.isalpha() for c in stripped):
        cells = [c.strip() for c in stripped[1:-1].split("|")]
        return len(cells) > 1 and sum(1 for c in cells if c) <= 1
    return False


def block_text(element: HtmlElement) -> str:
    """Text of `element` with one line per block (paragraph, heading, item, <br>).

    A walk with its own stack: broken markup nests thousands of levels deep, past
    Python's recursion limit."""
    parts: list[str] = []
    stack: list[tuple[HtmlElement, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if closing:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if node.tail and node is not element:
                parts.append(node.tail)
            continue
        if tag in ("script", "style", "noscript", "template"):
            if node.tail and node is not element:
                parts.append(node.tail)
            continue
        if tag in _BLOCK_TAGS or tag == "br":
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    lines = (normalize_space(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
