"""Middlewares of the project: scope for every request, an outcome for every response."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding
from w3lib.html import get_base_url, get_meta_refresh

from blogarchive.pipelines.items import FetchRecord
from blogarchive.pipelines.links import ascii_host, effective_port, host_of, valid_host, without_userinfo

from .addresses import blocked_reason, other_service_reason
from .failures import BlockedAddress, InvalidAddress, Offsite

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def host_allowed(url: str, allowed: list[str]) -> bool:
    """True when `url` is http(s) on one of the `allowed` hosts or their subdomains
    (every host when `allowed` is empty)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    if not host.isascii():  # as it will be requested: bücher.test is xn--bcher-kva.test
        host = ascii_host(host)
    return not allowed or any(host == d or host.endswith("." + d) for d in allowed)


class ScopeMiddleware:
    """Keeps every request, redirects included, on the spider's allowed hosts, and off
    private addresses written in the URL (names are checked when they are resolved,
    crawler.addresses).

    Scrapy's own OffsiteMiddleware lets `dont_filter` requests through, and the
    blog spider sets `dont_filter` (it dedups pages itself), so scope is checked
    here for every request that goes out.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Request | None:
        spider = spider or self.crawler.spider
        if (url := without_userinfo(request.url)) != request.url:  # a redirect to http://user:pw@host/
            self.crawler.stats.inc_value("scope/credentials_dropped")
            return request.replace(url=url)
        allowed = getattr(spider, "allowed_domains", None) or []
        if not valid_host(urlsplit(request.url).hostname or ""):  # a redirect to http://loc%61lhost/
            raise InvalidAddress(f"not a valid host name: {urlsplit(request.url).netloc[:100]}")
        if not host_allowed(request.url, allowed):
            self.crawler.stats.inc_value("scope/offsite")
            raise Offsite(f"offsite: {urlsplit(request.url).hostname} is not an allowed host")
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        reason = blocked_reason(self.crawler, host, host)  # an address written in the URL
        if reason is None:
            if (port := effective_port(request.url)) is None:  # past 65535: nothing to connect to
                raise InvalidAddress(f"not a valid port: {parts.netloc[:100]}")
            reason = other_service_reason(self.crawler, host, port)
        if reason is not None:
            self.crawler.stats.inc_value("scope/blocked")
            raise BlockedAddress(reason)
        return None


class RedirectCredentialsMiddleware:
    """Drops the user name and password from a redirect's `Location` before Scrapy's
    RedirectMiddleware reads (and logs) it; ScopeMiddleware drops them from every request
    too, but only after Scrapy has logged the redirect. The WARC capture, nearer the
    downloader, keeps the header as the server sent it."""

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        location = response.headers.get("Location") if 300 <= response.status < 400 else None
        if not location or b"@" not in location:
            return response
        text = location.decode("latin-1")
        if (clean := without_userinfo(urljoin(response.url, text))) == urljoin(response.url, text):
            return response
        headers = response.headers.copy()
        headers["Location"] = clean.encode("latin-1", "replace")
        return response.replace(headers=headers)


class PageAdmissionMiddleware:
    """Decides, as each page request leaves the scheduler, whether it goes out: the
    spider's `admit` holds URL families it has closed (a trap page's thousands of links
    are queued before the first of them answers) and counts page slots. Deciding here,
    not when a link is found, keeps a trap's queued links from using up --max-pages."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageAdmissionMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        admit = getattr(spider, "admit", None)
        if admit is not None and (refusal := admit(request)) is not None:
            if isinstance(refusal, IgnoreRequest):
                raise refusal
            raise refusal(f"not requested: {request.url}")


class HostProxyMiddleware:
    """Sends the requests for some hosts through an HTTP proxy of their own
    (CRAWL_HOST_PROXIES, host -> proxy URL); Scrapy's HttpProxyMiddleware and download
    handler do the rest. The demo serves its fixed host name this way from whatever
    loopback port it got, so its URLs are the same on every run."""

    def __init__(self, proxies: dict[str, str]) -> None:
        self.proxies = {ascii_host(host): proxy for host, proxy in proxies.items()}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostProxyMiddleware:
        proxies = crawler.settings.getdict("CRAWL_HOST_PROXIES")
        if not proxies:
            raise NotConfigured
        return cls(proxies)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        proxy = self.proxies.get(host_of(request.url))
        ours = request.meta.get("host_proxy")  # set by us for the host this request was for
        if ours is not None and request.meta.get("proxy") == ours and proxy != ours:
            del request.meta["proxy"]  # a redirect to another host: not through this host's proxy
            del request.meta["host_proxy"]
        if proxy is not None and "proxy" not in request.meta:
            request.meta["proxy"] = request.meta["host_proxy"] = proxy


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, reading only the first 4 KB it looks at.

    Scrapy's decodes the whole body (`response.text`) to look at its first 4 KB, and
    keeps the decoded copy with the response: on a 400 KB page that is a second
    decode (the spider decodes with its own charset rules) and a second copy in memory.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if (
            request.meta.get("dont_redirect", False)
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
            or urlsplit(request.url).scheme not in ("http", "https")
        ):
            return response
        head = response.body[:4096]
        content_type = response.headers.get("Content-Type")
        declared = http_content_type_encoding(content_type.decode("latin-1")) if content_type else None
        try:
            text = head.decode(declared or html_body_declared_encoding(head) or "utf-8", "replace")
        except LookupError:
            text = head.decode("utf-8", "replace")
        interval, url = get_meta_refresh(text, get_base_url(text, response.url), ignore_tags=self._ignore_tags)
        if not url:
            return response
        redirected = self._redirect_request_using_get(request, response, url)
        if urlsplit(redirected.url).scheme not in ("http", "https"):
            return response
        if interval is not None and interval < self._maxdelay:
            return self._redirect(redirected, request, "meta refresh")
        return response


class ParseErrorMiddleware:
    """A spider middleware: when a callback raises, the response still gets its
    `fetches` row (outcome `parse_error`, the exception as reason) and the crawl goes on."""

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Spider | None = None
    ) -> Iterator[FetchRecord]:
        logger.info("could not read %s: %r", response.url, exception)  # the fetches row says so
        logger.debug("traceback of the failure on %s", response.url, exc_info=exception)
        yield FetchRecord(
            url=response.url,
            kind=response.meta.get("kind", "page"),
            outcome="parse_error",
            fetched_at=datetime.now(timezone.utc),
            status=response.status,
            reason=f"{type(exception).__name__}: {exception}",
            warc=response.meta.get("warc"),
        )
