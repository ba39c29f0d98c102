"""Run one crawl in this process with the project's settings (used by the command line).

The Twisted reactor cannot restart, so one process runs one crawl.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from twisted.python.failure import Failure

from blogarchive.archive.errors import ArchiveError
from blogarchive.archive.outcomes import final_status
from blogarchive.pipelines.stats import PAGE_OUTCOME, SKIPPED_DATED, SKIPPED_RECENT

from . import quietlog
from .spiders.blog import BlogSpider


@dataclass
class CrawlReport:
    crawl_id: str | None
    stats: dict[str, Any]
    seconds: float

    def outcome_counts(self) -> dict[str, int]:
        prefix = "archive/outcome/"
        return {k[len(prefix) :]: v for k, v in sorted(self.stats.items()) if k.startswith(prefix)}

    def page_outcomes(self) -> dict[str, int]:
        """Pages per outcome as the spider saw them (also without an archive)."""
        return {k[len(PAGE_OUTCOME) :]: v for k, v in self.stats.items() if k.startswith(PAGE_OUTCOME)}

    def status(self) -> tuple[str, str]:
        """(status, reason) of a crawl without an archive, by the rule a crawl row follows."""
        skipped = sum(self.skipped_counts().values())
        return final_status(
            self.page_outcomes(), skipped=skipped, finish_reason=self.stats.get("finish_reason", "finished")
        )

    def skipped_counts(self) -> dict[str, int]:
        """Known pages not requested, by why: the crawl row's skipped_* columns."""
        return {
            "skipped as unchanged by date": self.stats.get(SKIPPED_DATED, 0),
            "skipped as recent": self.stats.get(SKIPPED_RECENT, 0),
        }


def crawl_status(stats: dict[str, Any]) -> str:
    """What became of a crawl, from its stats: the archive's verdict (its `crawls` row's
    status, or LOCKED), else, without an archive, the rule of that row applied to the pages
    the spider saw."""
    return stats.get("archive/crawl_status") or CrawlReport(None, stats, 0.0).status()[0]


#: (setting, component) of the components that serve only an archive
ARCHIVE_COMPONENTS = (
    ("ITEM_PIPELINES", "blogarchive.pipelines.storage.ArchiveStoragePipeline"),
    ("DOWNLOADER_MIDDLEWARES", "blogarchive.crawler.capture.WarcCaptureMiddleware"),
)


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """blogarchive.crawler.settings with `overrides` on top, as `scrapy crawl -s` would set them."""
    settings = Settings()
    settings.setmodule("blogarchive.crawler.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    if not settings.get("ARCHIVE_DIR"):
        # no archive (`get --print`): its pipeline and the WARC capture would only load the
        # archive's libraries (pyarrow, warcio) to say they are not configured
        # (removed, not set to None: Scrapy imports every component a setting names)
        for setting, component in ARCHIVE_COMPONENTS:
            kept = {name: order for name, order in settings.getdict(setting).items() if name != component}
            settings.set(setting, kept, priority="cmdline")
    return settings


def run_crawl(urls: list[str], *, follow: bool, overrides: dict[str, Any] | None = None) -> CrawlReport:
    """Crawl `urls` to the end and report what happened."""
    settings = project_settings(overrides)
    machinery = settings.getbool("LOG_MACHINERY") or bool(settings.get("LOG_FILE"))
    settings.set("LOG_INSTALL_ROOT_HANDLER", machinery, priority="cmdline")
    process = CrawlerProcess(settings)
    quietlog.install()
    if not machinery:
        quietlog.install_console(settings.get("LOG_LEVEL"))
    crawler = process.create_crawler(BlogSpider)
    started = time.monotonic()
    failures: list[Failure] = []
    process.crawl(crawler, urls=urls, follow=follow).addErrback(failures.append)
    try:
        process.start()
    except ImportError as exc:  # a setting names a module that is not installed (a reactor, a loop)
        raise CrawlNotStarted(f"the crawl could not start: {type(exc).__name__}: {exc}") from None
    if failures:  # the crawl could not start: a component failed to load or to open
        raise CrawlNotStarted(
            f"the crawl could not start: {failures[0].type.__name__}: {failures[0].getErrorMessage()}"
        )
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlReport(stats.get("archive/crawl_id"), stats, time.monotonic() - started)


class CrawlNotStarted(ArchiveError):
    """The crawl could not start, or broke off: a component named in the settings could
    not be loaded, or failed as the crawl opened or ran (the command line: exit 1)."""
