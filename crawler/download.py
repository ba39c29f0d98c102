"""Scrapy's HTTP/1.1 download handler, with bounds on a response's header section.

Twisted's parser keeps every header line it is sent until the blank line that ends
them: a server sending headers without end grew a crawl by 400 MB a request until
the download timeout. Here the header section may hold at most
CRAWL_MAX_HEADER_BYTES bytes in at most CRAWL_MAX_HEADERS lines, and no line (the
status line included) may pass MAX_LINE_BYTES; past a bound the connection is
dropped and the request fails with `HeadersTooLarge`, which the spider records as
`fetch_error` with the bound in its reason. So does a status code outside 100-999
(`BadStatus`).

Scrapy already swaps the class of Twisted's response parser for its lenient one
(scrapy.core.downloader.handlers.http11); this swaps it for a bounded subclass the
same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

__all__ = ["BadStatus", "BoundedHTTPDownloadHandler", "HeadersTooLarge", "MAX_LINE_BYTES", "MalformedResponse"]

#: the longest status or header line (Twisted's own line limit)
MAX_LINE_BYTES = 16 * 1024


class MalformedResponse(Exception):
    """A response the crawl refuses to read; the message says why (the `fetches` reason)."""


class HeadersTooLarge(MalformedResponse):
    """A response whose status line or headers went past a bound."""


class BadStatus(MalformedResponse):
    """A status code outside 100-999 (2147483648 would not even fit the `status` column)."""


class _BoundedParser(_LenientHTTPClientParser):
    MAX_LENGTH = MAX_LINE_BYTES
    max_bytes = 256 * 1024
    max_lines = 500
    _head_bytes = 0
    _head_lines = 0

    def lineReceived(self, line: bytes) -> None:
        self._head_bytes += len(line) + 2
        self._head_lines += 1
        if self._head_bytes > self.max_bytes:
            raise HeadersTooLarge(f"response headers larger than {self.max_bytes:,} bytes (CRAWL_MAX_HEADER_BYTES)")
        if self._head_lines > self.max_lines + 1:  # the status line, then the headers
            raise HeadersTooLarge(f"more than {self.max_lines:,} response header lines (CRAWL_MAX_HEADERS)")
        super().lineReceived(line)

    def statusReceived(self, status: bytes) -> None:
        parts = status.split(b" ", 2)
        if len(parts) > 1 and parts[1].isdigit() and not 100 <= int(parts[1][:10]) <= 999:
            raise BadStatus(
                f"the response's status code {parts[1][:20].decode('ascii')} is not an HTTP status (100-999)"
            )
        super().statusReceived(status)

    def lineLengthExceeded(self, line: bytes) -> None:
        what = "status line" if self._head_lines == 0 else "header line"
        raise HeadersTooLarge(f"a response {what} longer than {self.MAX_LENGTH:,} bytes")


class _BoundedProtocol(_LenientHTTP11ClientProtocol):
    parser_class: type[_BoundedParser] = _BoundedParser

    def request(self, request: Any) -> Deferred[Any]:
        d = super().request(request)
        assert self._parser is not None  # set by request(), as Scrapy's lenient protocol relies on too
        self._parser.__class__ = self.parser_class
        return d


class BoundedHTTPDownloadHandler(HTTP11DownloadHandler):
    """HTTP11DownloadHandler whose connections parse responses with the bounds of the settings."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        parser = type(
            "BoundedParser",
            (_BoundedParser,),
            {
                "max_bytes": crawler.settings.getint("CRAWL_MAX_HEADER_BYTES"),
                "max_lines": crawler.settings.getint("CRAWL_MAX_HEADERS"),
            },
        )

        class Factory(_LenientHTTP11ClientFactory):
            def buildProtocol(self, addr: Any) -> _BoundedProtocol:
                protocol = _BoundedProtocol(self._quiescentCallback)
                protocol.parser_class = parser
                return protocol

        self._pool._factory = Factory
