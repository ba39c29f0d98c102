"""Extraction as a pure function: (html, url) -> Document.

The one seam where trafilatura's result becomes our `Document`. No Scrapy here,
so it can be tested without a crawl and run in a worker process.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import islice
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from . import heuristics
from .bylines import clean_author, is_date_line
from .cleanup import (
    MarkupFacts,
    block_text,
    comment_regions,
    drop_noise_lines,
    find_body,
    markup_counts,
    normalize_space,
    prune,
    read_markup,
)
from .counters import COUNTER_KINDS, counters_in_texts
from .dates import parse_date
from .language import text_language
from .metadata import PageMetadata, declared_language, read_json_ld, read_meta_tags, unescaped
from .platforms import IndexedTree, detect_platform, select_first

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
    #: the strategy that produced `text` (see `_main_text`), or "listing"
    extractor: str = "trafilatura"
    #: computed where the document is made (an extraction worker), not in the crawl process
    content_hash: str = field(init=False)
    word_count: int = field(init=False)

    def __post_init__(self) -> None:
        self.content_hash = content_hash(self.text)
        self.word_count = len(self.text.split())


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
    if body is not None and not _is_the_post(body, block):
        body = None
    # JSON-LD and meta tags are decoded as they are read; page text once more here
    sitename = _first(json_ld.sitename, meta_tags.sitename, unescaped(_unless_host(guessed.sitename, url) or ""))
    shown = None if listing else unescaped(markup.title or "")
    title = strip_site_name(_first(json_ld.title, shown, meta_tags.title, unescaped(guessed.title or "")), sitename)
    title = _plain_title(_as_headline(strip_host_name(title, url), tree, sitename))
    # with no body marked, the largest block of paragraphs is the best guess at the post:
    # its counters are read, and it is kept from the prune, whose selectors (nav, .widget,
    # "sidebar" in a class) also match the wrappers some themes put around the whole article
    post = body if body is not None else block
    counts = {} if listing else {**markup_counts(page, profile, post), **meta_tags.counts, **json_ld.counts}
    prune(page, profile, keep=post)
    if listing:
        text, extractor = _listing_text(tree), "listing"
    else:
        text, extractor = _light_text(tree, body) if light else _main_text(tree, body, url)
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


_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " · ", " :: ", " » ", ": ")
#: where a title is cut in two (a colon is part of titles: "Recipes: Ten tips")
_SPLITTING_SEPARATORS = tuple(sep for sep in _TITLE_SEPARATORS if sep != ": ")


def strip_site_name(title: str | None, sitename: str | None) -> str | None:
    """The title without the site name that SEO plugins and themes add before or after it."""
    if not title or not sitename:
        return title
    for sep in _TITLE_SEPARATORS:
        suffix, prefix = f"{sep}{sitename}", f"{sitename}{sep}"
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].strip()
        if title.startswith(prefix) and len(title) > len(prefix):
            return title[len(prefix) :].strip()
    return title


def strip_host_name(title: str | None, url: str) -> str | None:
    """The title without a last " | Site" part that names the host ("Ten tips |
    Slashdot" on slashdot.org): sites whose site name no meta tag states."""
    if not title:
        return title
    label = _host_label(url)
    for sep in _SPLITTING_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        squeezed = re.sub(r"[\W_]", "", tail).casefold()
        if found and head.strip() and len(label) >= 4 and squeezed and (label in squeezed or squeezed in label):
            return head.strip()
    return title


def _host_label(url: str) -> str:
    """The host's own name: "prusa3d" of blog.prusa3d.com, "bbc" of www.bbc.co.uk."""
    labels = (urlsplit(url).hostname or "").removeprefix("www.").split(".")
    if len(labels) >= 3 and len(labels[-2]) <= 3:  # co.uk, com.au
        return re.sub(r"[\W_]", "", labels[-3]).casefold()
    return re.sub(r"[\W_]", "", labels[-2]).casefold() if len(labels) >= 2 else ""


_MARKUP_AROUND = re.compile(r"^(#+\s+|[*_\"“”']+)|[*_\"“”']+$")


def _plain_title(title: str | None) -> str | None:
    """The title without Markdown marks or quotes around it (`## Title`, `*Title*`,
    `"Title"`), which some sites put in their title tags."""
    if not title:
        return title
    stripped = title.strip()
    for _ in range(2):
        if (
            stripped.startswith("#")
            or stripped[:1] == stripped[-1:]
            and stripped[:1] in "*_\"'"
            or stripped[:1] == "“"
            and stripped[-1:] == "”"
        ):
            stripped = _MARKUP_AROUND.sub("", stripped).strip()
    return stripped or title


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


def _drop_footnote_markers(tree: HtmlElement) -> None:
    """Remove footnote references (`<sup><a href="#fn1">1</a></sup>`): glued to the
    text they read "week.1I". An exponent (`x<sup>2</sup>`) links nowhere and stays."""
    for sup in list(tree.iter("sup")):
        link = sup.find(".//a[@href]")
        if link is not None and link.get("href", "").startswith("#") and len(normalize_space(sup.text_content())) <= 5:
            sup.drop_tree()


#: where a site puts its own name: its logo, a link home
_SITE_NAME_MARKS = re.compile(r"logo|site-?title|site-?name|brand|masthead", re.I)


def _as_headline(title: str | None, tree: HtmlElement, sitename: str | None) -> str | None:
    """The title without what follows or precedes a separator, where the rest is the
    page's own headline: "Ten tips | Acme Tools" whose <h1> says "Ten tips" is "Ten
    tips", whatever the site calls itself. An <h1> that is the site's name (its logo,
    a link, the site name itself) is no headline; a colon is part of titles."""
    headline = next((h for h in (_headline_text(e, sitename) for e in tree.iter("h1")) if h), None)
    if not title or not headline or headline == title:
        return title
    wanted = headline.casefold()
    for sep in _SPLITTING_SEPARATORS:
        # the headline is the longer side: "Part 2 - The Oven" is one title, not "Part 2"
        for head, found, tail in (title.partition(sep), title.rpartition(sep)):
            if found and head.strip().casefold() == wanted and len(head.strip()) >= len(tail.strip()):
                return headline
            if found and tail.strip().casefold() == wanted and len(tail.strip()) >= len(head.strip()):
                return headline
    return title


def _headline_text(heading: HtmlElement, sitename: str | None) -> str | None:
    """An <h1>'s text, unless it names the site rather than the page."""
    text = normalize_space(heading.text_content())
    if not text or len(text) > 300 or sitename and text.casefold() == sitename.casefold():
        return None
    link = heading.find(".//a")
    if link is not None and len(normalize_space(link.text_content())) == len(text):
        return None  # a link: the logo's link home, or a teaser's title
    near = [heading, *islice(heading.iterancestors(), 2)]  # the heading, its parent and grandparent
    if any(_SITE_NAME_MARKS.search(f"{e.get('class', '')} {e.get('id', '')}") or e.tag == "a" for e in near):
        return None
    ancestors = [a.tag for a in heading.iterancestors()]
    if (
        "header" in ancestors
        and not {"article", "main"} & set(ancestors[: ancestors.index("header")])
        and "article" not in ancestors
    ):
        return None  # the page's banner, above any article: the site's name
    return text


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


#: where a listing's entries are, most specific first
_MAIN_REGION = ("main", "[role='main']", "#main", "#content", ".blog-posts", "body")


def _listing_text(tree: HtmlElement) -> str:
    """A listing's text: its heading, entry titles and excerpts, one per line, from the
    pruned main region. trafilatura is made for one article and drops most of a list."""
    region = select_first(tree, _MAIN_REGION)
    return drop_noise_lines(block_text(region if region is not None else tree)).strip()


def _main_text(tree: HtmlElement, body: HtmlElement | None, url: str) -> tuple[str, str]:
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
    """Steps 2 and 3 of `_main_text` as a pure rule: trafilatura's `text`, or its
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


def _light_text(tree: HtmlElement, body: HtmlElement | None) -> tuple[str, str]:
    """The main text of a page too large for trafilatura: the marked body's block text,
    else the largest block of paragraphs (strategies 2 and 3 of `_main_text`)."""
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


def _is_the_post(body: HtmlElement, block: HtmlElement | None) -> bool:
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
