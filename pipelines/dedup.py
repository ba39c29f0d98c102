"""DedupPipeline: one `pages` row per distinct version of a URL, one URL per text.

- The same URL with the same clean text as its latest stored version becomes an
  `unchanged` FetchRecord (the archive keeps history: a changed text is stored
  as a new version).
- Another URL with a text already stored (in this crawl or in the archive)
  becomes a `duplicate` FetchRecord naming the first URL; unless the text is short
  (under SHORT_TEXT_CHARS characters) and the page has another title: then two
  posts show one banner or placeholder ("Sign up to read"), and the second is a
  `no_content` record saying so, never a duplicate of an unrelated post. Titles are
  known for the texts of this crawl only: a banner stored by an earlier crawl makes a
  later page with it a `duplicate`, as before.

It learns the archive's versions from the `archive_opened` signal, and keeps
one digest per URL and per distinct text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import signals as project_signals
from .items import ExtractedPage, FetchRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from blogarchive.archive.state import ArchiveState


#: texts shorter than this (characters: Chinese and Japanese have no spaces to count
#: words by) are compared with their titles too
SHORT_TEXT_CHARS = 300


class DedupPipeline:
    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self.first_url: dict[bytes, str] = {}
        #: the title of a short text's first page, in this crawl
        self.first_title: dict[bytes, str | None] = {}
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
        size, title = len(item.document.text), item.document.title
        if first is None:
            self.first_url[digest] = url
            self.latest[url] = digest
            if size < SHORT_TEXT_CHARS:
                self.first_title[digest] = title
            return item
        if (
            first != url
            and size < SHORT_TEXT_CHARS
            and digest in self.first_title
            and self.first_title[digest] != title
        ):
            return self._record(
                item,
                "no_content",
                f"its only text is the {size}-character text of {first}, "
                "another post: a banner or placeholder, not an article",
            )
        reason = "fetched again (a redirect led here)" if first == url else f"same text as {first}"
        return self._record(item, "duplicate", reason)

    def _record(self, item: ExtractedPage, outcome: str, reason: str) -> FetchRecord:
        if self.stats is not None:
            self.stats.inc_value(f"dedup/{outcome}")
        page = item.page
        return FetchRecord(
            url=page.url,
            kind="page",
            outcome=outcome,
            fetched_at=page.fetched_at,
            status=page.status,
            reason=reason,
            content_hash=item.document.content_hash,
            etag=page.etag,
            last_modified=page.last_modified,
            warc=page.warc,
            requested_url=page.requested_url,
            rendered=page.rendered,
        )
