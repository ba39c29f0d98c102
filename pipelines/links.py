"""A page's links, read from the tree the extractor parses anyway.

Runs in the extraction workers (the crawl process does not parse pages), so it
imports nothing of Scrapy: a worker starts in a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from lxml import etree
from w3lib.html import get_base_url
from w3lib.url import safe_url_string

from blogarchive.archive.errors import InvalidRequest

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["PageLinks", "ascii_host", "effective_port", "page_links", "tree_links", "valid_host", "without_userinfo"]

#: what blogs link to that is not a page: archives, images, audio, video, office
#: documents, executables (Scrapy's IGNORED_EXTENSIONS, which the link extractor
#: of a Scrapy project would skip)
NOT_PAGE_EXTENSIONS = frozenset(
    "." + ext
    for ext in (
        "7z 7zip bz2 rar tar tar.gz xz zip "
        "mng pct bmp gif jpg jpeg png pst psp tif tiff ai drw dxf eps ps svg cdr ico webp "
        "mp3 wma ogg wav ra aac mid au aiff "
        "3gp asf asx avi mov mp4 mpg qt rm swf wmv m4a m4v flv webm "
        "xls xlsm xlsx xltm xltx potm potx ppt pptm pptx pps doc docb docm docx dotm dotx odt ods odg odp "
        "css pdf exe bin rss dmg iso apk jar sh rb js hta bat cpl msi msp py"
    ).split()
)
_NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "#")
_HREFS = etree.XPath("//a/@href | //area/@href", smart_strings=False)
_ALTERNATES = etree.XPath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]")


class PageLinks(NamedTuple):
    #: absolute URLs of the page's links, in order, without repeats
    links: tuple[str, ...] = ()
    #: the page's <link rel="alternate"> (href, type) pairs, absolute: its feeds
    alternates: tuple[tuple[str, str | None], ...] = ()


def tree_links(tree: HtmlElement, html: str, url: str, limit: int = 0) -> PageLinks:
    """The links and alternates of a parsed page (read before anything prunes the tree);
    at most `limit` links (0: all), the first in the page."""
    try:
        base = get_base_url(html[:4096], url)
    except ValueError:  # a <base href> urllib refuses ("http://[", a port past 65535)
        base = url
    join = partial(_joined, base)
    # a page announces a handful of feeds; a generated one could announce thousands
    announced = ((join(link.get("href") or ""), link.get("type")) for link in _ALTERNATES(tree)[:100])
    alternates = tuple((href, kind) for href, kind in announced if href)
    return PageLinks(page_links(_HREFS(tree), join, limit), alternates)


def _joined(base: str, href: str) -> str | None:
    """`href` made absolute against `base`; None when it is empty or no URL at all
    (`http://[` is refused by urllib: an unclosed IPv6 host)."""
    try:
        return urljoin(base, href) if href.strip() else None
    except ValueError:
        return None


def page_links(hrefs: list[str], urljoin_: Callable[[str], str | None], limit: int = 0) -> tuple[str, ...]:
    """Absolute http(s) URLs of a page's `<a href>`s, without fragments, repeats, or
    links to files that are not pages (images, archives, documents, media).

    A lean replacement for Scrapy's LinkExtractor, whose per-link processing cost
    more than the page's fetch on link-heavy blog pages.
    """
    seen: dict[str, None] = {}
    for href in hrefs:
        href = href.strip()
        if not href or href.lower().startswith(_NOT_LINKS):
            continue
        # a blog repeats its menu and sidebar on every page: absolute links are
        # checked once (urljoin would return them unchanged)
        joined = href if href.startswith(("http://", "https://")) else urljoin_(href)
        url = _page_url(joined) if joined is not None else None
        if url is not None:
            seen.setdefault(url, None)
            if limit and len(seen) >= limit:
                break
    return tuple(seen)


@lru_cache(maxsize=8192)
def _page_url(url: str) -> str | None:
    """`url` without its fragment, or None when it is not a web page's URL."""
    try:
        url = urldefrag(url)[0]
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 host: no URL
        return None
    if parts.scheme not in ("http", "https"):
        return None
    dot = parts.path.rfind(".")
    if dot > parts.path.rfind("/") and parts.path[dot:].lower() in NOT_PAGE_EXTENSIONS:
        return None
    return without_userinfo(url)


_NOT_IN_HOSTS = frozenset('%\\ \t\r\n<>"{}|^`')


def valid_host(host: str) -> bool:
    """Whether `host` can be a host name or address: no percent-escapes (which Scrapy's
    robots.txt handling cannot resolve), spaces or quotes."""
    return bool(host) and not _NOT_IN_HOSTS.intersection(host)


def effective_port(url: str) -> int | None:
    """The port a request to `url` connects to (the scheme's default when none is written),
    or None when the URL's port is no port (past 65535)."""
    parts = urlsplit(url)
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None


def ascii_host(host: str) -> str:
    """`host` lower-cased, an international name in its IDNA spelling (bücher.test ->
    xn--bcher-kva.test), as a request sends it; as given when it has no such spelling."""
    host = host.strip().lower().rstrip(".")
    try:
        return urlsplit(safe_url_string(f"http://{host}/")).hostname or host
    except ValueError:
        return host


def host_of(url: str) -> str:
    """The URL's host name, lower-case ('' when it has none): the `host` column, and the key
    of the page budget and the proxies."""
    return (urlsplit(url).hostname or "").lower()


def without_userinfo(url: str) -> str:
    """`url` without the user name and password that may come before its host
    (`http://user:pw@host/`): credentials in a URL are never sent nor recorded."""
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


#: the largest --input-file (CRAWL_INPUT_FILE) read: two million URLs of 60 characters
MAX_INPUT_FILE_BYTES = 128 * 1024 * 1024


def read_url_file(path: str) -> list[str]:
    """URLs of a file, one a line; blank lines and # comments are skipped. A file past
    MAX_INPUT_FILE_BYTES (/dev/zero, a disk image given by mistake) is refused unread."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_INPUT_FILE_BYTES + 1)
        if len(data) > MAX_INPUT_FILE_BYTES:
            raise InvalidRequest(
                f"input file {path} is larger than {MAX_INPUT_FILE_BYTES // 2**20} MB: "
                "is it a list of URLs, one a line?"
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise InvalidRequest(f"input file {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidRequest(f"input file {path} is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"cannot read input file {path}: {exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
