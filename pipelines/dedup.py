"""DedupPipeline: one `pages` row per distinct version of a URL, one URL per text.

- The same URL with the same clean text as its latest stored version becomes an
  `unchanged` FetchRecord (the archive keeps history: a changed text is stored
  as a new version).
- Another URL with a text already stored (in this crawl or in the archive)
  becomes a `duplicate` FetchRecord naming the first URL.

It learns the archive's versions from the `archive_opened` signal, and keeps
one digest per URL and per distinct text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler import signals as project_signals
from crawler.items import ExtractedPage, FetchRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from archive.state import ArchiveState


class DedupPipeline:
    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self.first_url: dict[bytes, str] = {}
        self.latest: dict[str, bytes] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        pipeline = cls(crawler.stats)
        crawler.signals.connect(pipeline.archive_opened, signal=project_signals.archive_opened)
        return pipeline

    def archive_opened(self, state: ArchiveState) -> None:
        for url, page in state.pages.items():
            digest = bytes.fromhex(page.content_hash)
            self.latest[url] = digest
            self.first_url.setdefault(digest, url)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ExtractedPage):
            return item
        url = item.page.url
        digest = bytes.fromhex(item.document.content_hash)
        if self.latest.get(url) == digest:
            return self._record(item, "unchanged", "same text as the latest stored version")
        first = self.first_url.get(digest)
        if first is None:
            self.first_url[digest] = url
            self.latest[url] = digest
            return item
        reason = "fetched again (a redirect led here)" if first == url else f"same text as {first}"
        return self._record(item, "duplicate", reason)

    def _record(self, item: ExtractedPage, outcome: str, reason: str) -> FetchRecord:
        if self.stats is not None:
            self.stats.inc_value(f"dedup/{outcome}")
        page = item.page
        return FetchRecord(
            url=page.url, kind="page", outcome=outcome, fetched_at=page.fetched_at, status=page.status,
            reason=reason, content_hash=item.document.content_hash, etag=page.etag, last_modified=page.last_modified,
            warc=page.warc, requested_url=page.requested_url,
        )
