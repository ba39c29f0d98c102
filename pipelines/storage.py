"""ArchiveStoragePipeline: the sink. Owns the archive for the length of a crawl.

It takes the archive's lock (unless the command line already holds it), removes
what a killed writer left half-written, records dead crawls as interrupted,
reads the archive's state and announces it (`archive_opened`) to the spider and
to dedup, writes a `running` crawl row, then turns every item into archive rows:
one `fetches` row each, plus a `pages` row for an ExtractedPage. At the end it
writes the crawl's final row: finished, interrupted or failed.

This is the one seam where our document becomes an archive record.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from blogarchive.archive import ArchiveError, ArchiveWriter, new_crawl_id
from blogarchive.archive.compaction import compact, interruptible
from blogarchive.archive.crawls import crawl_row, mark_dead_crawls
from blogarchive.archive.exits import LOCKED
from blogarchive.archive.location import locate
from blogarchive.archive.lock import ArchiveLock, LockHeld, check_holder
from blogarchive.archive.outcomes import final_status
from blogarchive.archive.reader import committed_files
from blogarchive.archive.schema import SCHEMAS, WARC_COLUMNS
from blogarchive.archive.state import load_state
from blogarchive.archive.warc import WarcPointer, WarcSegments
from blogarchive.archive.writer import remove_temporaries

from . import signals as project_signals
from .items import ExtractedPage, FetchRecord
from .links import host_of
from .stats import COMPACTED, SKIPPED_DATED, SKIPPED_RECENT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: settings recorded with each crawl: the ones that shape what it fetches
RECORDED_SETTINGS = (
    "CRAWL_FOLLOW",
    "CRAWL_MAX_PAGES",
    "CRAWL_DEPTH",
    "CRAWL_ALLOW_HOSTS",
    "CRAWL_REVISIT_AFTER",
    "ROBOTSTXT_OBEY",
    "USER_AGENT",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
)


def warc_columns(pointer: WarcPointer | None) -> dict[str, Any]:
    """The WARC pointer columns of a row (nulls without a capture)."""
    values = (pointer.filename, pointer.offset, pointer.length) if pointer is not None else (None, None, None)
    return dict(zip(WARC_COLUMNS, values))


def page_record(item: ExtractedPage, crawl_id: str) -> dict[str, Any]:
    page, doc = item.page, item.document
    return {
        "url": page.url,
        "host": host_of(page.url),
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
        "line_kinds": doc.line_kinds,
        "comments": doc.comments,
        "comment_count": doc.comment_count,
        "view_count": doc.view_count,
        "like_count": doc.like_count,
        "reading_time": doc.reading_time,
        "extractor": doc.extractor,
        "word_count": doc.word_count,
        "content_hash": doc.content_hash,
        "minhash": doc.minhash,
        "near_duplicate_of": item.near_duplicate_of,
        "near_duplicate_similarity": item.near_duplicate_similarity,
        "content_type": page.content_type,
        "encoding": page.encoding,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "links": list(page.links),
        "html": page.html,
        "rendered": page.rendered,
        **warc_columns(page.warc),
    }


def fetch_record(item: FetchRecord | ExtractedPage, crawl_id: str) -> dict[str, Any]:
    if isinstance(item, ExtractedPage):
        page = item.page
        return {
            "url": page.url,
            "host": host_of(page.url),
            "crawl_id": crawl_id,
            "fetched_at": page.fetched_at,
            "kind": "page",
            "status": page.status,
            "outcome": "stored",
            "reason": "; ".join(note for note in (page.encoding_note, page.render_note) if note) or None,
            "content_hash": item.document.content_hash,
            "etag": page.etag,
            "last_modified": page.last_modified,
            **warc_columns(page.warc),
            "rendered": page.rendered,
            "payload_digest": page.warc.payload_digest if page.warc else None,
        }
    return {
        "url": item.url,
        "host": host_of(item.url),
        "crawl_id": crawl_id,
        "fetched_at": item.fetched_at,
        "kind": item.kind,
        "status": item.status,
        "outcome": item.outcome,
        "reason": item.reason,
        "content_hash": item.content_hash,
        "etag": item.etag,
        "last_modified": item.last_modified,
        **warc_columns(item.warc),
        "rendered": item.rendered,
        "payload_digest": item.warc.payload_digest if item.warc else None,
    }


class ArchiveStoragePipeline:
    def __init__(self, crawler: Crawler, writer: ArchiveWriter, lock: ArchiveLock | None, settings_json: str) -> None:
        self.crawler = crawler
        self.writer = writer
        self.lock = lock
        self.settings_json = settings_json
        self.started_at = datetime.now(timezone.utc)
        self.seeds: list[str] = []
        self.failure: str | None = None
        #: another crawl held the archive: this one touches nothing there
        self.locked_out = False
        #: compact a table at the end once it has this many files (0: never)
        self.compact_files = 0
        #: outcomes (of every kind, and of pages) of the committed rows, set as the crawl closes
        self.counts: dict[str, int] = {}
        self.page_outcomes: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveStoragePipeline:
        settings = crawler.settings
        root = settings.get("ARCHIVE_DIR")
        if not root:
            raise NotConfigured("ARCHIVE_DIR is not set: nothing is stored")
        crawl_id = settings.get("ARCHIVE_CRAWL_ID") or new_crawl_id()
        root = locate(root, settings.get("ARCHIVE_S3_ENDPOINT") or None)
        writer = ArchiveWriter(
            root,
            crawl_id,
            flush_rows=settings.getint("ARCHIVE_FLUSH_ROWS"),
            flush_bytes=settings.getint("ARCHIVE_FLUSH_BYTES"),
            flush_seconds=settings.getfloat("ARCHIVE_FLUSH_SECONDS"),
            row_group_rows=settings.getint("ARCHIVE_ROW_GROUP_ROWS"),
            background=settings.getbool("ARCHIVE_BACKGROUND_WRITES"),
            warc=WarcSegments(root, crawl_id, max_bytes=settings.getint("ARCHIVE_WARC_MAX_BYTES"))
            if settings.getbool("ARCHIVE_WARC")
            else None,
        )
        # the command line takes the lock before the crawl starts; `scrapy crawl` does not
        lock = None if settings.getbool("ARCHIVE_LOCK_HELD") else ArchiveLock(root, crawl_id)
        recorded = {name: settings.get(name) for name in RECORDED_SETTINGS}
        pipeline = cls(crawler, writer, lock, json.dumps(recorded, sort_keys=True, default=str))
        pipeline.compact_files = settings.getint("ARCHIVE_COMPACT_FILES")
        crawler.stats.set_value("archive/crawl_id", crawl_id)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.record_fetch, signal=project_signals.fetch_recorded)
        return pipeline

    def open_spider(self) -> None:
        if self.lock is not None:
            try:
                self.lock.acquire()
            except LockHeld as exc:
                # another crawl writes this archive (`scrapy crawl`, Scrapyd: nothing above took
                # the lock): this one writes nothing there, not even a row, and ends at once
                self.locked_out = True
                self.crawler.stats.set_value("archive/crawl_status", LOCKED)
                self.crawler.stats.set_value("archive/crawl_reason", str(exc))
                logger.error("%s", exc)
                raise CloseSpider("archive_locked") from None
        try:
            self._open_archive()
        except ArchiveError as exc:
            # the archive cannot be written (a full disk, a file size limit): the crawl
            # ends as soon as it is open, `failed`, with the reason in one line
            self.failure = str(exc)
            logger.info("stopping the crawl: %s", exc)  # the crawl's summary says why
            raise CloseSpider("archive_error") from None

    def _fail(self, exc: ArchiveError) -> None:
        self.failure = str(exc)
        logger.info("stopping the crawl: %s", exc)  # the crawl's summary says why
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def _open_archive(self) -> None:
        self.writer.open()
        root = self.writer.root
        if removed := remove_temporaries(root):
            logger.info("removed %d half-written files a killed crawl left", removed)
        if dead := mark_dead_crawls(root, self.writer):
            logger.warning("crawls %s had died; recorded as interrupted", ", ".join(dead))
        spider = self.crawler.spider
        self.seeds = list(getattr(spider, "start_urls", []) or [])
        # the known pages of the hosts the crawl may visit; dedup looks across the archive
        hosts = {host_of(url) for url in self.seeds} | set(getattr(spider, "allowed_domains", None) or ())
        state = load_state(root, hosts=hosts or None)
        self.crawler.stats.set_value("archive/known_pages", len(state))
        self.crawler.signals.send_catch_log(project_signals.archive_opened, state=state, warc=self.writer.warc)
        self._write_crawl("running")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, (ExtractedPage, FetchRecord)):
            return item
        if self.failure or self.locked_out:
            return item  # the crawl is closing; the error was logged once
        record = fetch_record(item, self.writer.crawl_id)
        try:
            if isinstance(item, ExtractedPage):
                self.writer.write_page(page_record(item, self.writer.crawl_id))
            self.writer.write_fetch(record)
        except ArchiveError as exc:
            self._fail(exc)  # a full disk or a vanished folder: stop now, the crawl is `failed`
            return item
        # handed to the writer: the live progress counts; the crawl's row counts what was committed
        self.crawler.stats.inc_value(f"archive/outcome/{record['outcome']}")
        return item

    def record_fetch(self, record: FetchRecord) -> None:
        """A URL the spider will not request (signal `fetch_recorded`)."""
        self.process_item(record)

    def close_spider(self) -> None:
        if self.locked_out:
            return
        if self.failure:
            self.writer.abandon()  # what is buffered cannot be written either
            return
        # last rows from whoever holds some (the spider's held URL families, when a crawl
        # is stopped before it ran out of work), while the writer still takes them
        self.crawler.signals.send_catch_log(project_signals.archive_closing)
        try:
            self.writer.close()
        except ArchiveError as exc:
            self.failure = str(exc)
            logger.info("%s", exc)  # the crawl's summary says why
            self.writer.abandon()

    def spider_closed(self, reason: str) -> None:
        if self.locked_out:
            return  # the archive is the other crawl's: no row, no lock to release
        self._count_committed()
        status, why = self._final_status(reason)
        self.crawler.stats.set_value("archive/crawl_status", status)
        self.crawler.stats.set_value("archive/crawl_reason", why)
        try:
            self._write_crawl(status, reason=why, finished_at=datetime.now(timezone.utc))
        except ArchiveError as exc:  # what failed the crawl fails its last row too
            logger.info("the crawl's final row could not be written: %s", exc)
            self.crawler.stats.set_value("archive/crawl_reason", f"{why}; its final row could not be written either")
        else:
            # an interrupted crawl was asked to stop: it does, without a compaction's wait
            if self.compact_files > 0 and not self.failure and status != "interrupted":
                self._compact()
        finally:
            if self.lock is not None:
                self.lock.release()

    def _compact(self) -> None:
        """Compact each table that has reached `compact_files` files, under the crawl's lock
        (checked before each step: on an object store, a lease taken over stops it). A
        compaction that fails or is interrupted (Ctrl-C, SIGTERM) leaves the table as it was
        or the next one finishes it: the crawl's outcome stands, and the log says why."""
        root, crawl_id = self.writer.root, self.writer.crawl_id
        still_ours = self.lock.check if self.lock is not None else lambda: check_holder(root, crawl_id)
        try:
            with interruptible():
                for table in SCHEMAS:
                    if len(committed_files(root, table)) < max(2, self.compact_files):
                        continue
                    report = compact(root, table, still_ours=still_ours)
                    if report.replaced < 2:  # the rest are full files of earlier compactions
                        continue
                    self.crawler.stats.set_value(
                        f"{COMPACTED}{table}", f"{report.replaced} files into {report.written}"
                    )
                    logger.info(
                        "%s: compacted %d files into %d (%d rows) in %.1fs",
                        table,
                        report.replaced,
                        report.written,
                        report.rows,
                        report.seconds,
                    )
        except ArchiveError as exc:  # the tables before it are compacted; those after wait
            logger.warning("not compacted: %s", exc)
        except KeyboardInterrupt:
            logger.warning("compaction interrupted: the next `blogarchive compact` finishes or undoes it")

    def _count_committed(self) -> None:
        """The counts of the crawl's row and summary: the rows committed, not the rows handed
        to the writer (on a full disk the last ones never reach a file)."""
        self.counts, self.page_outcomes = {}, {}
        for (kind, outcome), count in self.writer.committed.items():
            self.counts[outcome] = self.counts.get(outcome, 0) + count
            if kind == "page":
                self.page_outcomes[outcome] = self.page_outcomes.get(outcome, 0) + count
        stats = self.crawler.stats
        for key in [k for k in stats.get_stats() if k.startswith("archive/outcome/")]:
            stats.set_value(key, self.counts.get(key.removeprefix("archive/outcome/"), 0))

    def _final_status(self, reason: str) -> tuple[str, str]:
        dated, recent = self._skipped()
        return final_status(
            self.page_outcomes, skipped=dated + recent, failure=self.failure, finish_reason=reason, outcomes=self.counts
        )

    def _skipped(self) -> tuple[int, int]:
        stats = self.crawler.stats
        return stats.get_value(SKIPPED_DATED, 0), stats.get_value(SKIPPED_RECENT, 0)

    def _write_crawl(self, status: str, **extra: Any) -> None:
        dated, recent = self._skipped()
        self.writer.write_crawl(
            crawl_row(
                self.writer.crawl_id,
                status,
                started_at=self.started_at,
                seeds=self.seeds,
                settings=self.settings_json,
                counts=dict(self.counts),
                skipped_dated=dated,
                skipped_recent=recent,
                **extra,
            )
        )
