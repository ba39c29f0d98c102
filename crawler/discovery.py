"""Find post URLs in robots.txt, sitemaps and feeds. Pure functions over bytes.

XML is parsed without entity expansion or network access.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.gz import gunzip

from blogarchive.pipelines.dates import parse_feed_date

#: what a body is, judged from its first bytes
_SNIFF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(urlset|sitemapindex|rss|feed|RDF)\b")
_GZIP_MAGIC = b"\x1f\x8b"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")


#: a document type declaration and its internal subset: sitemaps and feeds need none,
#: and it is where XXE and "billion laughs" payloads live
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.S | re.I)


def _without_doctype(body: bytes) -> bytes:
    """The body without its DOCTYPE: entities it declares become unknown references,
    which the parser drops, so the rest of the document is still read."""
    head = body[:65536]
    return _DOCTYPE.sub(b"", head, count=1) + body[65536:]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


def ungzip(body: bytes, max_size: int) -> bytes:
    """The body, gunzipped when it is gzip data (a sitemap.xml.gz)."""
    if body[:2] == _GZIP_MAGIC:
        return gunzip(body, max_size=max_size)
    return body


def xml_kind(body: bytes) -> str | None:
    """ "sitemap", "sitemapindex" or "feed" when the body is one, else None."""
    match = _SNIFF.search(body[:2048])
    if not match:
        return None
    root = match.group(1).decode()
    if root == "urlset":
        return "sitemap"
    if root == "sitemapindex":
        return "sitemapindex"
    return "feed"


def sitemap_entries(body: bytes, base_url: str) -> list[tuple[str, datetime | None]]:
    """(URL, <lastmod>) of each entry of a sitemap or sitemap index."""
    root = etree.fromstring(_without_doctype(body), parser=_parser())
    if root is None:
        return []
    entries = []
    for entry in root.xpath("//*[local-name()='url' or local-name()='sitemap']"):
        loc = entry.xpath("string(*[local-name()='loc'])")
        lastmod = entry.xpath("string(*[local-name()='lastmod'])")
        entries.append((loc, parse_feed_date(lastmod)))
    return _absolute_entries(entries, base_url)


def feed_entries(body: bytes, base_url: str) -> list[tuple[str, datetime | None]]:
    """(link, date) of each item of an RSS 2.0, RSS 1.0 (RDF) or Atom feed; the date is
    the item's update date where it has one, else its publication date."""
    root = etree.fromstring(_without_doctype(body), parser=_parser())
    if root is None:
        return []
    entries = []
    for item in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        link = item.xpath(
            "string(*[local-name()='link'][not(@href)]"
            " | @*[local-name()='about']"
            " | *[local-name()='link'][not(@rel) or @rel='alternate'][not(@type) or contains(@type,'html')]/@href)"
        )
        date = None
        for name in ("updated", "modified", "published", "pubDate", "date"):
            date = parse_feed_date(item.xpath(f"string(*[local-name()='{name}'])"))
            if date:
                break
        entries.append((link, date))
    return _absolute_entries(entries, base_url)


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """The Sitemap: lines of a robots.txt."""
    found = re.findall(r"(?im)^\s*sitemap\s*:\s*(\S+)", text)
    return _absolute(found, base_url)


def is_feed_link_type(content_type: str | None) -> bool:
    return bool(content_type) and (content_type or "").split(";")[0].strip().lower() in _FEED_TYPES


def _absolute_entries(entries: list[tuple[str, datetime | None]], base_url: str) -> list[tuple[str, datetime | None]]:
    seen: dict[str, datetime | None] = {}
    for url, date in entries:
        url = str(url).strip()
        if url:
            seen.setdefault(urljoin(base_url, url), date)
    return list(seen.items())


def _absolute(urls: list[str], base_url: str) -> list[str]:
    return [url for url, _ in _absolute_entries([(url, None) for url in urls], base_url)]
