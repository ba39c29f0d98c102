"""ArchiveStoragePipeline: the sink. Turns items into archive records and writes them.

The one seam where our document becomes an archive record. Every item that
reaches it yields one `fetches` row; an ExtractedPage also yields a `pages` row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from archive import ArchiveWriter, new_crawl_id
from crawler.items import ExtractedPage, FetchRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def page_record(item: ExtractedPage, crawl_id: str) -> dict[str, Any]:
    page, doc = item.page, item.document
    return {
        "url": page.url,
        "host": _host(page.url),
        "crawl_id": crawl_id,
        "fetched_at": page.fetched_at,
        "status": page.status,
        "platform": doc.platform,
        "page_type": doc.page_type,
        "title": doc.title,
        "author": doc.author,
        "published": doc.published,
        "modified": doc.modified,
        "sitename": doc.sitename,
        "description": doc.description,
        "language": doc.language,
        "categories": doc.categories,
        "tags": doc.tags,
        "text": doc.text,
        "comments": doc.comments,
        "word_count": doc.word_count,
        "content_hash": doc.content_hash,
        "content_type": page.content_type,
        "encoding": page.encoding,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "html": page.html,
    }


def fetch_record(item: FetchRecord | ExtractedPage, crawl_id: str) -> dict[str, Any]:
    if isinstance(item, ExtractedPage):
        page = item.page
        return {
            "url": page.url, "host": _host(page.url), "crawl_id": crawl_id,
            "fetched_at": page.fetched_at, "kind": "page", "status": page.status,
            "outcome": "stored", "reason": page.encoding_note,
        }
    return {
        "url": item.url, "host": _host(item.url), "crawl_id": crawl_id,
        "fetched_at": item.fetched_at, "kind": item.kind, "status": item.status,
        "outcome": item.outcome, "reason": item.reason,
    }


class ArchiveStoragePipeline:
    def __init__(self, writer: ArchiveWriter, stats: StatsCollector | None = None) -> None:
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveStoragePipeline:
        settings = crawler.settings
        root = settings.get("ARCHIVE_DIR")
        if not root:
            raise NotConfigured("ARCHIVE_DIR is not set")
        crawl_id = settings.get("ARCHIVE_CRAWL_ID") or new_crawl_id()
        writer = ArchiveWriter(
            root,
            crawl_id,
            flush_rows=settings.getint("ARCHIVE_FLUSH_ROWS"),
            flush_bytes=settings.getint("ARCHIVE_FLUSH_BYTES"),
            row_group_rows=settings.getint("ARCHIVE_ROW_GROUP_ROWS"),
        )
        crawler.stats.set_value("archive/crawl_id", crawl_id)
        return cls(writer, crawler.stats)

    def open_spider(self) -> None:
        self.writer.open()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ExtractedPage):
            self.writer.write_page(page_record(item, self.writer.crawl_id))
        if isinstance(item, (ExtractedPage, FetchRecord)):
            record = fetch_record(item, self.writer.crawl_id)
            self.writer.write_fetch(record)
            if self.stats is not None:
                self.stats.inc_value(f"archive/outcome/{record['outcome']}")
        return item

    def close_spider(self) -> None:
        self.writer.close()
