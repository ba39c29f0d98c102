"""Keep the console to what a user needs.

Scrapy logs some download failures (robots.txt of an unreachable site, given-up
retries) with a full traceback. The failure is already recorded in `fetches`
with its reason; on the console one line says enough.

Without LOG_MACHINERY (the command line without -v) the console shows only
blogarchive's own lines: every page's failure is a `fetches` row already, and
Scrapy's and Twisted's lines about them (given-up retries, robots.txt errors,
disabled components) are noise to a user. A record that carries an exception
that is not a network error (a bug, ours or a library's) is still shown.
"""

from __future__ import annotations

import logging
import sys

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

NETWORK_ERRORS = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    ConnectError,
    DNSLookupError,
    TwistedTimeoutError,
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


#: the packages whose log lines are blogarchive's own
OWN_PACKAGES = ("archive", "crawler", "pipelines", "blogarchive")


class MachineryFilter(logging.Filter):
    """Pass blogarchive's own records, and others only when they carry a real exception
    (not a network error) or are CRITICAL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in OWN_PACKAGES or record.levelno >= logging.CRITICAL:
            return True
        return bool(
            record.exc_info and record.exc_info[1] is not None and not isinstance(record.exc_info[1], NETWORK_ERRORS)
        )


def install_console(level: str = "WARNING") -> logging.Handler:
    """The console handler of a crawl without LOG_MACHINERY (Scrapy installs none then):
    `blogarchive: message` lines on stderr, at `level` and above, through MachineryFilter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("blogarchive: %(message)s"))
    handler.addFilter(MachineryFilter())
    logging.root.setLevel(level)  # records below it are not even made
    logging.root.addHandler(handler)
    return handler
