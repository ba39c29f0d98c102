"""ProgressExtension: a live progress line on a terminal, plain lines otherwise.

Written to stderr directly, not through logging: the command line keeps Scrapy's
log at WARNING, and a cron job's mail should still show how the crawl went.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from twisted.internet import task

from blogarchive.archive.outcomes import PROBLEMS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


def progress_line(stats: Mapping[str, Any], elapsed: float) -> str:
    """'fetched 120 · stored 97 · errors 3 · 14.2 pages/s' from Scrapy stats."""
    fetched = int(stats.get("response_received_count", 0) or 0)
    stored = int(stats.get("archive/outcome/stored", 0) or 0)
    errors = sum(int(stats.get(f"archive/outcome/{o}", 0) or 0) for o in sorted(PROBLEMS))
    rate = fetched / elapsed if elapsed > 0 else 0.0
    return f"fetched {fetched} · stored {stored} · errors {errors} · {rate:.1f} pages/s"


class ProgressExtension:
    def __init__(
        self, stats: StatsCollector, interval: float, log_interval: float, stream: TextIO | None = None
    ) -> None:
        self.stats = stats
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.interval = interval if self.live else log_interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        ext = cls(
            crawler.stats,
            crawler.settings.getfloat("PROGRESS_INTERVAL"),
            crawler.settings.getfloat("PROGRESS_LOG_INTERVAL"),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        line = progress_line(self.stats.get_stats(), time.monotonic() - self.started)
        if self.live:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} progress: {line}\n")
        self.stream.flush()

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()
