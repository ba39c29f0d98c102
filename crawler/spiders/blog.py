"""The `blog` spider: one or more blogs from their start URLs.

Discovery goes through robots.txt sitemaps, /sitemap.xml (indexes and gzip
included), RSS/Atom feeds found through <link rel="alternate"> (or linked), and
links on the pages, within the start URLs' hosts. With CRAWL_FOLLOW off it
fetches only the given URLs (`blogarchive get`).

Every request has an errback, and every response or failure becomes an item:
a `FetchedPage` to extract or a `FetchRecord` saying why there is none.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from w3lib.url import canonicalize_url, url_query_cleaner

from crawler import discovery
from crawler.encoding import decode_body
from crawler.items import FetchedPage, FetchRecord
from crawler.middlewares import host_allowed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class BlogSpider(Spider):
    name = "blog"

    def __init__(
        self,
        url: str | None = None,
        urls: list[str] | str | None = None,
        follow: bool | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        given = [url] if url else []
        if isinstance(urls, str):
            given += urls.split()
        elif urls:
            given += list(urls)
        if not given:
            raise ValueError("give the start URL: -a url=https://blog.example/")
        self.start_urls = given
        self._follow_arg = follow
        self.seen_pages: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        follow = spider._follow_arg
        if isinstance(follow, str):
            follow = follow.strip().lower() not in ("0", "false", "no", "off")
        spider.follow = settings.getbool("CRAWL_FOLLOW") if follow is None else bool(follow)
        spider.max_pages = settings.getint("CRAWL_MAX_PAGES")
        spider.max_depth = settings.getint("CRAWL_DEPTH")
        spider.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        spider.strip_params = settings.getlist("CRAWL_STRIP_PARAMS")
        hosts = {urlsplit(u).hostname for u in spider.start_urls} | set(settings.getlist("CRAWL_ALLOW_HOSTS"))
        # `get` fetches what it was given, wherever it redirects; crawls stay on their hosts.
        spider.allowed_domains = sorted(h for h in hosts if h) if spider.follow else []
        spider.link_extractor = LinkExtractor(unique=True)  # hosts are checked by _allowed (ports too)
        return spider

    # --- requests -------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            request = self._page_request(url, depth=0)
            if request is not None:
                yield request
            if self.follow:
                parts = urlsplit(url)
                root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
                yield self._discovery_request(root + "/robots.txt", "robots")
                yield self._discovery_request(root + "/sitemap.xml", "sitemap")

    def _page_request(self, url: str, depth: int) -> Request | None:
        """A request for a page, or None when seen already or past the limits.

        Query parameters that only share, reply or track (CRAWL_STRIP_PARAMS) are
        removed first, so `?share=twitter` and `?replytocom=12` are not new pages.
        """
        if self.strip_params and depth > 0:  # what the user gave is fetched as given
            url = url_query_cleaner(url, self.strip_params, remove=True, keep_fragments=False)
        key = canonicalize_url(url)
        if key in self.seen_pages:
            return None
        if self.max_depth >= 0 and depth > self.max_depth:
            return None
        if self.max_pages and len(self.seen_pages) >= self.max_pages:
            self.crawler.stats.inc_value("crawl/skipped_max_pages")
            return None
        self.seen_pages.add(key)
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={"kind": "page", "hops": depth},
            priority=-depth,
            # seen_pages dedups; Scrapy's filter would also drop redirects back to a
            # seen URL, so loops would vanish instead of ending as `redirect_loop`.
            dont_filter=True,
        )

    def _discovery_request(self, url: str, kind: str) -> Request:
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={"kind": kind, "hops": 0},
            priority=10,
        )

    # --- responses ------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        kind = response.meta.get("kind", "page")
        yield from self._redirects(response, kind)
        content_type = _header(response, "Content-Type")
        if kind == "robots":
            text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
            sitemaps = discovery.robots_sitemaps(text, response.url)
            yield self._record(response, kind, "discovered", f"{len(sitemaps)} sitemaps")
            for url in sitemaps:
                yield self._discovery_request(url, "sitemap")
            return
        if kind == "page" and isinstance(response, HtmlResponse):
            yield from self._parse_page(response, content_type)
            return
        # a sitemap or feed, whatever it was requested as (a linked feed, a .xml.gz sitemap)
        body = discovery.ungzip(response.body, self.maxsize)
        xml_kind = discovery.xml_kind(body)
        if xml_kind in ("sitemap", "sitemapindex"):
            yield from self._parse_sitemap(response, body, xml_kind)
        elif xml_kind == "feed":
            yield from self._parse_feed(response, body)
        elif kind != "page":
            yield self._record(response, kind, "not_html", f"not a sitemap or feed ({content_type or 'no Content-Type'})")
        elif self._is_html(content_type):
            yield from self._parse_page(response, content_type)
        else:
            yield self._record(response, kind, "not_html", content_type or "no Content-Type")

    @staticmethod
    def _is_html(content_type: str | None) -> bool:
        mime = (content_type or "").split(";")[0].strip().lower()
        return mime in _HTML_TYPES

    def _parse_page(self, response: Response, content_type: str | None) -> Iterator[Any]:
        html, encoding, note = decode_body(response.body, content_type)
        yield FetchedPage(
            url=response.url,
            requested_url=response.request.url if response.request else response.url,
            status=response.status,
            fetched_at=_now(),
            html=html,
            encoding=encoding,
            content_type=content_type,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            encoding_note=note,
        )
        if not self.follow or not isinstance(response, HtmlResponse):
            return
        depth = response.meta.get("hops", 0) + 1
        if depth == 1:  # the start page's feeds are the blog's; posts' own are comment feeds
            for link in response.xpath("//link[contains(concat(' ', @rel, ' '), ' alternate ')]"):
                if discovery.is_feed_link_type(link.attrib.get("type")) and link.attrib.get("href"):
                    url = response.urljoin(link.attrib["href"])
                    if self._allowed(url):
                        yield self._discovery_request(url, "feed")
        for link in self.link_extractor.extract_links(response):
            if self._allowed(link.url) and (request := self._page_request(link.url, depth)) is not None:
                yield request

    def _parse_sitemap(self, response: Response, body: bytes, kind: str) -> Iterator[Any]:
        locations = discovery.sitemap_locations(body, response.url)
        yield self._record(response, "sitemap", "discovered", f"{kind}: {len(locations)} URLs")
        for url in locations:
            if kind == "sitemapindex":
                if self._allowed(url):
                    yield self._discovery_request(url, "sitemap")
            elif self._allowed(url) and (request := self._page_request(url, 1)) is not None:
                yield request

    def _parse_feed(self, response: Response, body: bytes) -> Iterator[Any]:
        links = discovery.feed_entry_links(body, response.url)
        yield self._record(response, "feed", "discovered", f"feed: {len(links)} entries")
        for url in links:
            if self._allowed(url) and (request := self._page_request(url, 1)) is not None:
                yield request

    def _allowed(self, url: str) -> bool:
        return host_allowed(url, self.allowed_domains)

    def _redirects(self, response: Response, kind: str) -> Iterator[FetchRecord]:
        chain = response.meta.get("redirect_urls") or []
        targets = [*chain[1:], response.url]
        for source, target in zip(chain, targets):
            yield FetchRecord(
                url=source, kind=kind, outcome="redirected", fetched_at=_now(),
                status=None, reason=f"redirected to {target}",
            )

    def _record(self, response: Response, kind: str, outcome: str, reason: str | None) -> FetchRecord:
        return FetchRecord(
            url=response.url, kind=kind, outcome=outcome, fetched_at=_now(),
            status=response.status, reason=reason,
        )

    # --- failures -------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[FetchRecord]:
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("kind", "page")
        chain = request.meta.get("redirect_urls") or []
        url = chain[0] if chain else request.url
        status = None
        exc = failure.value
        if failure.check(HttpError):
            status = exc.response.status
            outcome, reason = "http_error", f"HTTP {status}"
            yield from self._redirects(exc.response, kind)
            url = exc.response.url
        elif failure.check(IgnoreRequest):
            message = str(exc)
            if "robots.txt" in message:
                outcome = "robots_denied"
            elif "redirection" in message:
                outcome = "redirect_loop"
            elif "offsite" in message.lower():
                outcome = "offsite"
            else:
                outcome = "fetch_error"
            reason = message or "request ignored"
            if outcome == "redirect_loop":
                reason = f"more than {len(chain)} redirects, last to {request.url}"
        elif failure.check(DownloadTimeoutError, TwistedTimeoutError):
            outcome, reason = "timeout", str(exc) or "download timed out"
        elif failure.check(DownloadCancelledError, CancelledError) and self._over_size(exc):
            outcome, reason = "too_large", f"larger than DOWNLOAD_MAXSIZE ({self.maxsize} bytes)"
        elif failure.check(
            CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
            ResponseDataLossError, DownloadCancelledError, CancelledError,
        ):
            outcome, reason = "fetch_error", f"{type(exc).__name__}: {exc}"
        else:
            outcome, reason = "fetch_error", f"{type(exc).__name__}: {exc}"
        if kind != "page" and outcome == "http_error":
            logger.info("no %s at %s (%s)", kind, url, reason)
        yield FetchRecord(url=url, kind=kind, outcome=outcome, fetched_at=_now(), status=status, reason=reason)

    def _over_size(self, exc: BaseException) -> bool:
        message = str(exc)
        return "max size" in message or not message
