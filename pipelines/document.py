"""Extraction as a pure function: (html, url) -> Document.

The one seam where trafilatura's result becomes our `Document`. No Scrapy here,
so it can be tested without a crawl and run in a worker process.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from . import heuristics
from .bylines import clean_author, is_date_line
from .cleanup import (
    MarkupFacts,
    comment_regions,
    find_body,
    markup_counts,
    normalize_space,
    prune,
    read_markup,
)
from .counters import COUNTER_KINDS, counters_in_texts
from .dates import parse_date
from .language import text_language
from .maintext import is_the_post, largest_block, light_text, listing_text, main_text
from .metadata import PageMetadata, declared_language, read_json_ld, read_meta_tags, unescaped
from .neardup import text_signature
from .platforms import IndexedTree, detect_platform
from .structure import line_kinds
from .titles import clean_title

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["Document", "NoContent", "content_hash", "document_from_tree", "extract_document", "parse_html"]

#: a byline line above the article has at most this many words
BYLINE_MAX_WORDS = 12

#: a page that marks its article for paying readers only and holds fewer characters
#: than this (about 150 English words; characters, as Chinese and Japanese have no
#: spaces to count words by) has only a teaser or a banner: no_content, not that
#: banner stored as the post
PAYWALL_CHARS = 1000


#: the page's articles: <article> elements and the hentry class of classic blog themes
_ARTICLES = etree.XPath(".//article | .//*[contains(concat(' ', normalize-space(@class), ' '), ' hentry ')]")
_LISTING_PATH = re.compile(
    r"/(tag|tags|category|categories|label|labels|search|archive|archives|author|page/\d+)(/|$)", re.I
)


class NoContent(Exception):
    """The page has no main text to store (empty, a shell, or not a document)."""


@dataclass
class Document:
    """A page's clean text and metadata."""

    url: str
    text: str
    platform: str | None = None
    page_type: str = "other"
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    sitename: str | None = None
    description: str | None = None
    language: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    comment_count: int | None = None
    view_count: int | None = None
    like_count: int | None = None
    #: minutes
    reading_time: int | None = None
    #: the strategy that produced `text` (see `main_text`), or "listing"
    extractor: str = "trafilatura"
    #: one per line of `text`: what the line was on the page (`structure.KINDS`)
    line_kinds: list[str] = field(default_factory=list)
    #: computed where the document is made (an extraction worker), not in the crawl process
    content_hash: str = field(init=False)
    word_count: int = field(init=False)
    #: the text's MinHash signature (`neardup.text_signature`), None for a short text
    minhash: bytes | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.content_hash = content_hash(self.text)
        self.word_count = len(self.text.split())
        self.minhash = text_signature(self.text)


def content_hash(text: str) -> str:
    """SHA-256 of the text with runs of whitespace made one space."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


#: fed UTF-8 bytes: lxml refuses a `str` whose XML declaration names an encoding
#: (`<?xml version="1.0" encoding="utf-8"?>`, common on XHTML blogs), and the text is
#: decoded already. huge_tree: a Wix page's inline JSON can pass libxml2's 10 MB
#: text-node limit (DOWNLOAD_MAXSIZE bounds the input).
_PARSER = lxml.html.HTMLParser(encoding="utf-8", recover=True, huge_tree=True)


#: characters XML (and so lxml's tree) cannot hold: NUL and the C0 controls but tab,
#: newline and return; lone surrogates and the non-characters U+FFFE, U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def parse_html(html: str) -> HtmlElement:
    """Parse a whole page leniently; raise NoContent if there is no document.

    Characters XML cannot hold are dropped first: lxml refuses to set them as text
    later (in trafilatura, in our clean-up), and they are never part of the text."""
    if not html or not html.strip():
        raise NoContent("empty body")
    html = _NOT_XML.sub("", html)
    try:
        tree = etree.fromstring(html.encode("utf-8", "replace"), _PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise NoContent(f"unparsable HTML: {exc}") from exc
    if tree is None or tree.find("body") is None and not len(tree):
        raise NoContent("no HTML document")
    return tree


#: elements past which a page is read the light way (see `document_from_tree`); the
#: largest real page of the development corpus has under 10,000
MAX_ELEMENTS = 50_000


def extract_document(html: str, url: str, max_elements: int = MAX_ELEMENTS) -> Document:
    """Clean text and metadata of one page.

    Raises NoContent when the page has no main text.
    """
    return document_from_tree(parse_html(html), url, max_elements)


def document_from_tree(tree: HtmlElement, url: str, max_elements: int = MAX_ELEMENTS) -> Document:
    """`extract_document` of a page parsed with `parse_html`; it changes the tree.

    A page of more than `max_elements` elements (0: no limit), a generated page of
    100,000 links, is read the light way: its text is the marked body or the largest
    block of paragraphs, its metadata what JSON-LD, meta tags and platform markup say.
    trafilatura and its metadata heuristics copy and walk the tree several times: on
    200,000 links that was 450 MB and 13 s in one worker."""
    light = bool(max_elements) and sum(1 for _ in tree.iter()) > max_elements
    profile = detect_platform(tree, url)
    json_ld = read_json_ld(tree)
    meta_tags = read_meta_tags(tree)
    # scripts and styles are read (platform, JSON-LD); from here on they only cost time:
    # a Wix page carries hundreds of KB of them, and every text_content() would walk them
    etree.strip_elements(tree, "script", "style", "noscript", "template", with_tail=False)
    # comments go too, their tails kept: React separates a paragraph's text runs with
    # `<!-- -->`, and trafilatura drops a comment with the text that follows it
    etree.strip_tags(tree, etree.Comment, etree.ProcessingInstruction)
    _drop_footnote_markers(tree)
    page = IndexedTree(tree)  # read_markup, find_body and prune ask it ~150 selectors
    markup = read_markup(page, profile, url)
    language = json_ld.language or declared_language(tree)
    guessed = (
        _Guesses(title=normalize_space(tree.findtext(".//title") or "") or None)
        if light
        else _guess_metadata(tree, url, json_ld, meta_tags, markup)
    )

    page_type = _page_type(markup, json_ld, meta_tags, tree, url)
    listing = page_type == "listing"
    # on a listing, the body and title markup are its first entry's: a listing is read whole
    body = None if listing else find_body(page, profile)
    # a reader's long comment is not the post, however long
    block = None if listing else largest_block(tree, comment_regions(page, profile))
    if body is not None and not is_the_post(body, block):
        body = None
    # JSON-LD and meta tags are decoded as they are read; page text once more here
    sitename = _first(json_ld.sitename, meta_tags.sitename, unescaped(_unless_host(guessed.sitename, url) or ""))
    shown = None if listing else unescaped(markup.title or "")
    title = clean_title(
        _first(json_ld.title, shown, meta_tags.title, unescaped(guessed.title or "")), tree, url, sitename
    )
    # with no body marked, the largest block of paragraphs is the best guess at the post:
    # its counters are read, and it is kept from the prune, whose selectors (nav, .widget,
    # "sidebar" in a class) also match the wrappers some themes put around the whole article
    post = body if body is not None else block
    counts = {} if listing else {**markup_counts(page, profile, post), **meta_tags.counts, **json_ld.counts}
    prune(page, profile, keep=post)
    if listing:
        text, extractor = listing_text(tree), "listing"
    else:
        text, extractor = light_text(tree, body) if light else main_text(tree, body, url)
        text = _drop_leading_title(text, title)
    if not text:
        raise NoContent("no main text found")
    if not listing and False in (json_ld.free, meta_tags.free) and len(text) < PAYWALL_CHARS:
        raise NoContent(
            f"the article is for paying readers: the page says so and holds {len(text)} characters "
            "of it (a sign-up or member banner)"
        )
    if not listing and markup.comments:
        counts.setdefault("comment_count", len(markup.comments))

    author = published = modified = None  # a list of posts has no single author or date
    if not listing:
        person, own_site = _author_names(
            [json_ld.author, meta_tags.author], [markup.author, guessed.author], markup.comment_authors, sitename
        )
        author = person or own_site
        published = _published(json_ld.published, meta_tags.published, parse_date(guessed.date))
        modified = json_ld.modified or meta_tags.modified
        text, header = split_byline(text, author)
        for kind, value in counters_in_texts(header).items():  # "5 min read" in the byline
            counts.setdefault(kind, value)
    return Document(
        url=url,
        text=text,
        platform=profile.name if profile else None,
        page_type=page_type,
        title=title,
        author=author,
        published=published,
        modified=modified,
        sitename=sitename,
        description=_first(json_ld.description, meta_tags.description),
        language=text_language(text, language),
        categories=json_ld.categories or markup.categories or meta_tags.categories or guessed.categories,
        # tags the page shows beat JSON-LD `keywords`, which SEO plugins fill with focus keywords
        tags=markup.tags or meta_tags.tags or json_ld.tags or guessed.tags,
        comments=markup.comments,
        extractor=extractor,
        line_kinds=line_kinds(tree, text),
        **{kind: counts.get(kind) for kind in COUNTER_KINDS},
    )


@dataclass
class _Guesses:
    """trafilatura's guesses for the fields a page's own markup leaves open."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _guess_metadata(
    tree: HtmlElement, url: str, json_ld: PageMetadata, meta_tags: PageMetadata, markup: MarkupFacts
) -> _Guesses:
    """trafilatura's heuristics (htmldate for the date), field by field and only for
    the fields the page's JSON-LD, meta tags and platform markup leave open: run
    whole, they cost a third of a page's extraction time. (trafilatura's description
    is the meta tags' one, which `read_meta_tags` has read already.)"""
    guesses = _Guesses()
    if not (json_ld.title or meta_tags.title or markup.title):
        guesses.title = heuristics.guess_title(tree)
    person, _ = _author_names(
        [json_ld.author, meta_tags.author],
        [markup.author],
        markup.comment_authors,
        json_ld.sitename or meta_tags.sitename,
    )
    if person is None:  # the page names no one but perhaps itself: trafilatura's guess
        guesses.author = heuristics.guess_author(tree)
    if not (json_ld.published or meta_tags.published):
        guesses.date = heuristics.guess_date(tree, url)
    if not (json_ld.sitename or meta_tags.sitename):
        guesses.sitename = heuristics.guess_sitename(tree)
    if not (json_ld.categories or markup.categories or meta_tags.categories):
        guesses.categories = heuristics.guess_terms("category", tree)
    if not (markup.tags or meta_tags.tags or json_ld.tags):
        guesses.tags = heuristics.guess_terms("tag", tree)
    return guesses


def _author_names(
    stated: list[str | None], shown: list[str | None], commenters: set[str], sitename: str | None
) -> tuple[str | None, str | None]:
    """(the first person named, the site's own name where it is named as the author).

    `stated` are what the page's structured data says (JSON-LD, meta tags), `shown`
    what its byline markup or trafilatura's guess shows: a commenter's name is refused
    only there, where a comment's byline could have been caught (the post's author
    replying in the comments stays the author JSON-LD names). A company blog or a
    personal site names itself: that is the author only when no person is named."""
    own_site = None
    for value, rejected in [*((v, frozenset()) for v in stated), *((v, commenters) for v in shown)]:
        name = clean_author(value, rejected=rejected)
        if name and sitename and name.casefold() == sitename.casefold():
            own_site = own_site or name
        elif name:
            return name, own_site
    return None, own_site


def _published(*candidates: datetime | None) -> datetime | None:
    """The first date given; where it is a bare date (midnight UTC) and a later source
    gives a time on that same day, that time (JSON-LD often has the date alone while
    the meta tags have the time)."""
    given = [c for c in candidates if c is not None]
    if not given:
        return None
    first = given[0]
    if first.utcoffset() or first.timetz().replace(tzinfo=None) != time():
        return first
    return next((c for c in given[1:] if c.date() == first.date() and c.timetz().replace(tzinfo=None) != time()), first)


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return value.strip()
    return None


def _unless_host(name: str | None, url: str) -> str | None:
    """trafilatura's site name, unless it only repeats the host name."""
    host = urlsplit(url).netloc.lower()
    if name and name.lower().removeprefix("www.") in (host, host.removeprefix("www."), host.split(":")[0]):
        return None
    return name


def _drop_footnote_markers(tree: HtmlElement) -> None:
    """Remove footnote references (`<sup><a href="#fn1">1</a></sup>`): glued to the
    text they read "week.1I". An exponent (`x<sup>2</sup>`) links nowhere and stays."""
    for sup in list(tree.iter("sup")):
        link = sup.find(".//a[@href]")
        if link is not None and link.get("href", "").startswith("#") and len(normalize_space(sup.text_content())) <= 5:
            sup.drop_tree()


#: lines a byline is made of: "By Jane", "Posted on ...", "Updated ..."
_BYLINE_WORDS = re.compile(r"^(by|posted|published|updated|last updated|written by|words by)\b", re.I)
#: a date with a year in a line: "December 18, 2025", "18 Dec 2025", "2025-12-18", "18/12/2025"
_DATE_IN_LINE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|[a-z]{3,9}\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}|"
    r"\d{1,2}(st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4})\b",
    re.I,
)


def split_byline(text: str, author: str | None) -> tuple[str, list[str]]:
    """The text without the byline lines it starts with, and those lines. Page builders
    put the author, the date and "5 min read" above the article, where trafilatura
    keeps them: short lines (BYLINE_MAX_WORDS words at most), at most four, that name
    the author, are a date or a counter, or start like a byline ("Posted on ...")."""
    lines = text.split("\n")
    header: list[str] = []
    for line in lines[:4]:
        words = line.split()
        if not words or len(words) > BYLINE_MAX_WORDS or len(header) == len(lines) - 1:
            break
        # the author's name alone or with a note after a separator ("Jane Roe · Staff
        # Writer"), not a sentence that mentions them; "By ..." and "Posted ..." lines
        # only with the name or a date in them (a poem starts "By the sea")
        named = (
            bool(author) and re.match(rf"^(by\s+)?{re.escape(author or '')}\s*([•·|,–—-].*)?$", line, re.I) is not None
        )
        dated = bool(_DATE_IN_LINE.search(line))
        if not (
            named
            or is_date_line(line)
            or counters_in_texts([line])
            or _BYLINE_WORDS.match(line)
            and (dated or author and re.search(rf"\b{re.escape(author)}\b", line))
        ):
            break
        header.append(line)
    return "\n".join(lines[len(header) :]), header


def _drop_leading_title(text: str, title: str | None) -> str:
    """The text without a first line that repeats the title (it has its own column)."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        return rest.strip()
    return text


def _page_type(markup: MarkupFacts, json_ld: PageMetadata, meta_tags: PageMetadata, tree: HtmlElement, url: str) -> str:
    """post, listing or other, by the strongest evidence first: the platform's marks,
    then structured data (JSON-LD's kind, og:type), then structure: one BlogPosting
    item, a listing's URL path, one <article> holding more text than all the others
    together (a post with teaser cards around it), three or more articles or items."""
    if markup.is_page:
        return "other"
    if markup.is_post:
        return "post"
    if markup.is_listing or json_ld.page_kind == "listing":
        return "listing"
    if json_ld.page_kind == "post" or meta_tags.page_kind == "post":
        return "post"
    postings = tree.xpath(
        "//*[@itemtype][contains(@itemtype, 'schema.org/BlogPosting') or contains(@itemtype, 'schema.org/Article')]"
    )
    if len(postings) == 1:
        return "post"
    path = urlsplit(url).path
    if _LISTING_PATH.search(path):
        return "listing"
    articles = _ARTICLES(tree)
    # a blog's home page shows its latest post in full above the others: an index still
    if path.strip("/") and _dominant(_article_pieces(tree, articles)):
        return "post"
    if len(postings) >= 3 or len(articles) >= 3:
        return "listing"
    return "other"


def _outermost(tree: HtmlElement, elements: list[HtmlElement]) -> list[HtmlElement]:
    """The `elements` not inside another of them, in one walk of the tree (an ancestor
    test per element is quadratic in a hostile page's nesting)."""
    targets = set(elements)
    outer: list[HtmlElement] = []
    depth = 0
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if element in targets:
            if event == "start":
                if depth == 0:
                    outer.append(element)
                depth += 1
            else:
                depth -= 1
    return outer


def _article_pieces(tree: HtmlElement, articles: list[HtmlElement]) -> list[int]:
    """The text sizes of the page's articles as separate pieces: each outermost
    article's own text (without the articles inside it: comments, related cards,
    teasers), and each of those inner articles."""
    pieces = []
    for outer in _outermost(tree, articles):
        inner = [len(normalize_space(a.text_content())) for a in _outermost(outer, _ARTICLES(outer)) if a is not outer]
        pieces += [max(len(normalize_space(outer.text_content())) - sum(inner), 0), *inner]
    return pieces


def _dominant(sizes: list[int]) -> bool:
    """Whether one piece holds more text than all the others together: a post with
    teaser cards or comments around it, not a list of posts."""
    sizes = sorted(sizes)
    return len(sizes) >= 2 and sizes[-1] > sum(sizes[:-1])
