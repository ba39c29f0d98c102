"""Scrapy's CookiesMiddleware, reading the Public Suffix List shipped inside tldextract.

Scrapy's asks tldextract whether a cookie's domain is a public suffix (a cookie for
`.co.uk` must not be sent to every British site). tldextract, on a machine whose
cache is empty, downloads the list from two public hosts at the first Set-Cookie: a
request that leaves the crawl's scope and its address rules, made by a library
behind the crawl's back. This middleware asks a TLDExtract that reads only the
snapshot in its package, never a URL, and keeps no cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.utils.httpobj import urlparse_cached
from tldextract import TLDExtract

if TYPE_CHECKING:
    from http.cookiejar import Cookie

    from scrapy import Request
    from scrapy.http.cookies import CookieJar

__all__ = ["OfflineCookiesMiddleware", "is_public_suffix"]

_SUFFIXES = TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True, include_psl_private_domains=True)


@lru_cache(maxsize=4096)
def is_public_suffix(domain: str) -> bool:
    """True when `domain` is a public suffix (`co.uk`, `github.io`): no cookie may be set for it."""
    return not _SUFFIXES(domain).domain


class OfflineCookiesMiddleware(CookiesMiddleware):
    """Scrapy's CookiesMiddleware with `is_public_suffix` for its suffix check."""

    def _process_cookies(self, cookies: Iterable[Cookie], *, jar: CookieJar, request: Request) -> None:
        hostname = urlparse_cached(request).hostname
        if hostname is None:
            return
        request_domain = hostname.lower()
        for cookie in cookies:
            cookie_domain = cookie.domain.removeprefix(".")
            if cookie_domain and is_public_suffix(cookie_domain):
                if cookie_domain != request_domain:
                    continue
                cookie.domain = request_domain
            jar.set_cookie_if_ok(cookie, request)
