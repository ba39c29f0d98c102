"""WarcCaptureMiddleware: every HTTP exchange of a crawl with `--warc`, as WARC records.

A downloader middleware next to the downloader (order 950), so it sees each response
as it came off the wire: before redirects are followed (a 301 is captured too),
before retries, and before HttpCompressionMiddleware decodes the body, so the record
holds the bytes the server sent with the headers that describe them. Only the
connection's own framing is gone (Twisted has de-chunked the body); the record keeps
that header renamed, as replay tools expect.

The pointer to the record goes into `request.meta["warc"]` (and, per URL of a redirect
chain, `meta["warc_by_url"]`), from where the spider puts it on the items it yields.
A body identical to the URL's last capture (same payload digest) is written as a
revisit record, and so is a 304.

The WARC segments belong to the archive writer, which hands them over with the
`archive_opened` signal; the middleware knows no file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from blogarchive.archive.errors import ArchiveError
from blogarchive.archive.warc import Exchange, WarcPointer, WarcSegments
from blogarchive.pipelines import signals as project_signals
from blogarchive.pipelines.rendering import RENDER_META
from blogarchive.pipelines.stats import WARC_ERROR

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from blogarchive.archive.state import ArchiveState

logger = logging.getLogger(__name__)


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler
        self.segments: WarcSegments | None = None
        self.previous: dict[str, tuple[str, datetime]] = {}
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("ARCHIVE_WARC"):
            raise NotConfigured  # quietly: most crawls keep no WARC
        middleware = cls(crawler)
        crawler.signals.connect(middleware.archive_opened, signal=project_signals.archive_opened)
        return middleware

    def archive_opened(self, state: ArchiveState, warc: WarcSegments | None = None) -> None:
        self.segments = warc
        self.previous = {
            url: (page.payload_digest, page.last_captured) for url, page in state.pages.items() if page.payload_digest
        }

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        request.meta.pop("warc", None)  # a pointer copied from the request this one came from (a redirect, a retry)
        if self.segments is None or self.failed:
            return response
        if "rendered" in response.flags:
            # a browser's DOM is no HTTP exchange: a conversion record of the page's response
            refers_to = request.meta.get(RENDER_META, {}).get("refers_to")
            now = datetime.now(timezone.utc)
            self._capture(lambda segments: segments.write_conversion(response.url, response.body, now, refers_to))
            return response
        exchange = exchange_of(request, response, self.previous.get(response.url))
        pointer = self._capture(lambda segments: segments.write(exchange))
        if pointer is not None:
            request.meta["warc"] = pointer
            request.meta.setdefault("warc_by_url", {})[response.url] = pointer
        return response

    def _capture(self, write: Callable[[WarcSegments], WarcPointer]) -> WarcPointer | None:
        assert self.segments is not None
        try:
            return write(self.segments)
        except (ArchiveError, OSError) as exc:  # a full disk: the crawl goes on, without captures
            self.failed = True
            logger.info("WARC capture stopped: %s", exc)  # the crawl's summary line says so
            if self.crawler is not None:
                self.crawler.stats.set_value(WARC_ERROR, str(exc))
            return None


def exchange_of(request: Request, response: Response, previous: tuple[str, datetime] | None) -> Exchange:
    """The Exchange of a Scrapy request and its raw response (pure: no I/O)."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    ip = response.ip_address
    return Exchange(
        url=response.url,
        method=request.method,
        request_headers=_pairs(request.headers),
        status=response.status,
        reason=reason,
        response_headers=_pairs(response.headers),
        body=response.body,
        date=datetime.now(timezone.utc),
        protocol=(response.protocol or "HTTP/1.1").upper(),
        ip=str(ip) if ip is not None else None,
        previous=previous,
        request_body=request.body or b"",
    )


def _pairs(headers: Any) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs
