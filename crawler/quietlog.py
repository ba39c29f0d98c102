"""Keep network failures to one log line.

Scrapy logs some download failures (robots.txt of an unreachable site, given-up
retries) with a full traceback. The failure is already recorded in `fetches`
with its reason; on the console one line says enough.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectError, DNSLookupError, TimeoutError as TwistedTimeoutError

NETWORK_ERRORS = (
    CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, ResponseDataLossError, ConnectError, DNSLookupError, TwistedTimeoutError,
)


class NetworkTracebackFilter(logging.Filter):
    """Drop the traceback of log records about network errors; keep the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            record.exc_info = None
            record.exc_text = None
        return True


#: the Scrapy loggers that report download failures with a traceback
LOGGERS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.downloadermiddlewares.retry",
    "scrapy.core.scraper",
    "scrapy.core.engine",
)


def install() -> None:
    """Attach the filter to the loggers themselves: Scrapy replaces its root handler per crawl."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NetworkTracebackFilter) for f in logger.filters):
            logger.addFilter(NetworkTracebackFilter())
