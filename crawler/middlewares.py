"""Downloader middlewares of the project."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler


def host_allowed(url: str, allowed: list[str]) -> bool:
    """True when `url` is http(s) on one of the `allowed` hosts or their subdomains
    (every host when `allowed` is empty)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return not allowed or any(host == d or host.endswith("." + d) for d in allowed)


class ScopeMiddleware:
    """Keeps every request, redirects included, on the spider's allowed hosts.

    Scrapy's own OffsiteMiddleware lets `dont_filter` requests through, and the
    blog spider sets `dont_filter` (it dedups pages itself), so scope is checked
    here for every request that goes out.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        allowed = getattr(spider, "allowed_domains", None) or []
        if not host_allowed(request.url, allowed):
            self.crawler.stats.inc_value("scope/offsite")
            raise IgnoreRequest(f"offsite: {urlsplit(request.url).hostname} is not an allowed host")
