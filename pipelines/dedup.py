"""DedupPipeline: a page whose clean text was stored already in this crawl becomes a
`duplicate` FetchRecord naming the first URL, instead of a second `pages` row.

Keeps one 32-byte digest per stored page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.items import ExtractedPage, FetchRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class DedupPipeline:
    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self.first_url: dict[bytes, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ExtractedPage):
            return item
        digest = bytes.fromhex(item.document.content_hash)
        first = self.first_url.get(digest)
        if first is None:
            self.first_url[digest] = item.page.url
            return item
        if self.stats is not None:
            self.stats.inc_value("dedup/duplicates")
        return FetchRecord(
            url=item.page.url, kind="page", outcome="duplicate", fetched_at=item.page.fetched_at,
            status=item.page.status,
            reason="fetched again (a redirect led here)" if first == item.page.url else f"same text as {first}",
        )
