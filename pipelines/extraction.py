"""ExtractionPipeline: FetchedPage -> ExtractedPage, or a FetchRecord saying why not."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawler.items import ExtractedPage, FetchedPage, FetchRecord


if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ExtractionPipeline:
    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        # trafilatura warns about each page it finds too short; the page's `fetches`
        # row already says so, with the reason
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        # imported on the first page: a re-crawl that meets only 304s never loads trafilatura
        from .document import NoContent, extract_document

        try:
            document = extract_document(item.html, item.url)
        except NoContent as exc:
            return self._failed(item, "no_content", str(exc))
        except Exception as exc:  # a page must never vanish: record the extractor's failure
            logger.warning("extraction failed on %s", item.url, exc_info=True)
            return self._failed(item, "extract_error", f"{type(exc).__name__}: {exc}")
        self._inc("extraction/extracted")
        return ExtractedPage(page=item, document=document)

    def _failed(self, item: FetchedPage, outcome: str, reason: str) -> FetchRecord:
        self._inc(f"extraction/{outcome}")
        return FetchRecord(
            url=item.url, kind="page", outcome=outcome, fetched_at=item.fetched_at,
            status=item.status, reason=reason,
        )

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
