"""Page metadata from structured markup: JSON-LD first, then meta tags.

Pure functions over an lxml tree. The extractor merges what they find with the
platform's markup and trafilatura's guesses, in that order of trust.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .counters import counter_value, statistic_counts
from .dates import parse_date

if TYPE_CHECKING:
    from lxml.html import HtmlElement

ARTICLE_TYPES = {
    "article",
    "blogposting",
    "newsarticle",
    "posting",
    "socialmediaposting",
    "report",
    "techarticle",
    "scholarlyarticle",
    "liveblogposting",
    "opinionnewsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
}
LISTING_TYPES = {"collectionpage", "blog", "itemlist", "searchresultspage"}


@dataclass
class PageMetadata:
    """Metadata one source (JSON-LD or meta tags) gives; None where it is silent."""

    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    sitename: str | None = None
    description: str | None = None
    language: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    page_kind: str | None = None  # "post" or "listing" when the markup says so
    #: False where the page says its article is for paying readers only (JSON-LD
    #: isAccessibleForFree, the article:content_tier meta tag)
    free: bool | None = None
    #: counters it states (COUNTER_KINDS: comment_count, view_count, like_count, reading_time)
    counts: dict[str, int] = field(default_factory=dict)


def iter_json_ld(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, with @graph and arrays flattened."""
    for script in tree.xpath("//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _flatten(entry)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _flatten(data["@graph"])
        if "@type" in data:
            yield data


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values}


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if value is None:
        return None
    text = re.sub(r"\s+", " ", unescaped(str(value))).strip()
    return text or None


_NUMERIC_REFERENCE = re.compile(r"&#(\d+|x[0-9a-f]+);", re.I)


def unescaped(text: str) -> str:
    """`text` with its HTML entities decoded once: CMSs escape a title once more than
    HTML does (a meta tag's `&amp;#8217;` reads `&#8217;`), and JSON-LD strings are not
    HTML-decoded at all. Once, and once more for numeric references only: a title
    about `&amp;lt;` keeps its `&lt;`, one escaped twice (`&amp;#8230;`) reads "…"."""
    if "&" not in text:
        return text
    text = html.unescape(text)
    # a numeric reference left is one escaped twice (`&amp;#8230;`): decode it too
    return html.unescape(text) if _NUMERIC_REFERENCE.search(text) else text


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [n for entry in value for n in _names(entry)]
    text = _text(value)
    return [text] if text else []


def read_json_ld(tree: HtmlElement) -> PageMetadata:
    """Metadata of the page's Article/BlogPosting object (and its WebSite); nothing
    from JSON-LD nested past Python's recursion limit (an author in 500 arrays)."""
    try:
        return _read_json_ld(tree)
    except RecursionError:
        return PageMetadata()


def _read_json_ld(tree: HtmlElement) -> PageMetadata:
    objects = list(iter_json_ld(tree))
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    meta = PageMetadata()
    article = next((o for o in objects if _types(o) & ARTICLE_TYPES), None)
    if article is not None:
        meta.page_kind = "post"
        meta.title = _text(article.get("headline") or article.get("name"))
        meta.author = _person_name(article.get("author"), by_id)
        meta.published = parse_date(_text(article.get("datePublished")))
        meta.modified = parse_date(_text(article.get("dateModified")))
        meta.description = _text(article.get("description"))
        meta.tags = _names(article.get("keywords"))
        meta.categories = _names(article.get("articleSection"))
        meta.language = _language(_text(article.get("inLanguage")))
        meta.counts = statistic_counts(article)
        meta.free = _boolean(article.get("isAccessibleForFree"))
        publisher = _resolve(article.get("publisher"), by_id)
        meta.sitename = _text(publisher) if publisher else None
    elif any(_types(o) & LISTING_TYPES for o in objects):
        meta.page_kind = "listing"
    if meta.published is None:
        # no Article says when: the WebPage does (SEO plugins put datePublished there);
        # else the date of whatever the page embeds (a tweet, a video) would be guessed
        dated = next((o for o in objects if "webpage" in _types(o) and o.get("datePublished")), None)
        if dated is not None:
            meta.published = parse_date(_text(dated.get("datePublished")))
            meta.modified = meta.modified or parse_date(_text(dated.get("dateModified")))
    website = next((o for o in objects if "website" in _types(o)), None)
    if website is not None:
        meta.sitename = _text(website.get("name")) or meta.sitename
    return meta


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, list):
        return [_resolve(v, by_id) for v in value]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in by_id:
        return by_id[value["@id"]]
    return value


def _boolean(value: Any) -> bool | None:
    """A JSON-LD boolean, which pages write as true, "True" or "false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _person_name(value: Any, by_id: dict[str, dict[str, Any]]) -> str | None:
    value = _resolve(value, by_id)
    names = [n for n in (_text(v) for v in (value if isinstance(value, list) else [value])) if n]
    return ", ".join(names) or None


def read_meta_tags(tree: HtmlElement) -> PageMetadata:
    """Metadata from OpenGraph, Twitter, `article:` and plain meta tags."""
    tags: dict[str, list[str]] = {}
    for element in tree.xpath("//meta[@content]"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        if key:
            tags.setdefault(key, []).append(element.get("content", "").strip())

    def first(*keys: str) -> str | None:
        for key in keys:
            for value in tags.get(key, []):
                if value:
                    return re.sub(r"\s+", " ", unescaped(value))
        return None

    meta = PageMetadata(
        title=first("og:title", "twitter:title"),
        author=first("article:author", "author", "dc.creator", "parsely-author", "sailthru.author"),
        published=parse_date(first("article:published_time", "og:published_time", "datepublished", "dc.date", "date")),
        modified=parse_date(first("article:modified_time", "og:updated_time", "datemodified")),
        sitename=first("og:site_name", "application-name"),
        description=first("og:description", "description", "twitter:description"),
        tags=[t for t in tags.get("article:tag", []) if t],
        categories=[t for t in tags.get("article:section", []) if t],
        # "metered" articles are free to read up to a monthly count: the page holds them
        free=False if (first("article:content_tier") or "").lower() == "locked" else None,
    )
    # Medium, Substack, Ghost and WordPress SEO plugins state the reading time as a
    # twitter:label/twitter:data pair ("Reading time" / "4 min read")
    for n in range(1, 5):
        label, data = first(f"twitter:label{n}"), first(f"twitter:data{n}")
        if label and data and "read" in label.lower():
            minutes = counter_value("reading_time", data)
            if minutes is not None:
                meta.counts["reading_time"] = minutes
    if meta.author and meta.author.startswith(("http://", "https://")):
        meta.author = None  # article:author is often a profile URL, not a name
    og_type = first("og:type")
    if og_type:
        meta.page_kind = "post" if og_type.lower() == "article" else None
    return meta


def declared_language(tree: HtmlElement) -> str | None:
    """The language the page declares: <html lang>, Content-Language, og:locale."""
    for value in (
        tree.get("lang"),
        tree.get("xml:lang"),
        *tree.xpath("//meta[translate(@http-equiv,'CONTENTLANGUAGE','contentlanguage')='content-language']/@content"),
        *tree.xpath("//meta[@property='og:locale']/@content"),
    ):
        code = _language(value)
        if code:
            return code
    return None


def _language(value: str | None) -> str | None:
    if not value:
        return None
    match = re.match(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value)
    return match.group(1).lower() if match else None
