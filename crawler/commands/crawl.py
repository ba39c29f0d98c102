"""`scrapy crawl blog …` (and Scrapyd, which runs it) ending with the exit status that
`blogarchive crawl` gives the same crawl: 0 finished, 1 failed, 3 interrupted, 75 when
another crawl holds the archive (blogarchive.archive.exits). Scrapy's own `crawl` exits 0
whatever became of the crawl, so cron and Scrapyd could not tell a failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl

from blogarchive.archive.exits import FOR_STATUS, Exit

from ..runner import crawl_status

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:  # Scrapy's own usage errors
            super().run(args, opts)
            return
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = Exit.FAILED
            return
        self.exitcode = FOR_STATUS.get(crawl_status(crawler.stats.get_stats() if crawler.stats else {}), Exit.FAILED)
