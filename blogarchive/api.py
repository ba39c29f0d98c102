"""The library API the command line, the workers and the tests call.

`crawl_into` runs one crawl into an archive and is the one place that decides who holds
the archive's lock; `crawl_pages` runs one without an archive (`get --print`). The Scrapy
project is loaded only when a crawl runs, so importing this module costs no Scrapy.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blogarchive.archive.errors import InvalidRequest
from blogarchive.pipelines.stats import COMPACTED, WARC_ERROR

if TYPE_CHECKING:
    from blogarchive.crawler.runner import CrawlReport

__all__ = ["ARCHIVE_SETTINGS", "CrawlResult", "check_settings", "crawl_into", "crawl_pages"]

#: the settings that name the archive a crawl writes and who holds it: `crawl_into` sets them
ARCHIVE_SETTINGS = ("ARCHIVE_DIR", "ARCHIVE_S3_ENDPOINT", "ARCHIVE_CRAWL_ID", "ARCHIVE_LOCK_HELD")


@dataclass(frozen=True)
class CrawlResult:
    """What a crawl into an archive did: its status (finished, failed or interrupted),
    one line saying so for people and logs, and the crawl's Scrapy stats."""

    status: str
    line: str
    stats: dict[str, Any]


def crawl_into(
    out: str,
    urls: list[str],
    *,
    follow: bool = True,
    settings: dict[str, Any] | None = None,
    s3_endpoint: str | None = None,
    lock_held: bool = False,
) -> CrawlResult:
    """Crawl `urls` into the archive at `out` (a folder or s3://bucket/prefix), holding its lock.

    With `lock_held` the caller holds the archive already (a worker holds its site's Redis
    lock) and no archive lock is taken. The archive settings (ARCHIVE_DIR, ...) are this
    function's to set: InvalidRequest if `settings` names one. Raises ArchiveError (and its
    subclasses: LockHeld, DamagedFile, ...) when the crawl cannot start.
    """
    # the archive's modules load pyarrow: imported here, so that `get --print` never does
    from blogarchive.archive.integrity import check_footers
    from blogarchive.archive.location import locate
    from blogarchive.archive.lock import ArchiveLock
    from blogarchive.archive.writer import new_crawl_id, prepare_archive_dir

    settings = check_settings(settings or {})
    root = prepare_archive_dir(locate(out, s3_endpoint))
    check_footers(root)  # a damaged archive: one line naming the file, and no crawl
    crawl_id = new_crawl_id()
    with nullcontext() if lock_held else ArchiveLock(root, crawl_id):
        report = crawl_pages(
            urls,
            follow=follow,
            settings={
                **settings,
                "ARCHIVE_DIR": root.uri,
                "ARCHIVE_S3_ENDPOINT": root.endpoint,
                "ARCHIVE_CRAWL_ID": crawl_id,
                "ARCHIVE_LOCK_HELD": True,
            },
        )
    status = report.stats.get("archive/crawl_status", "failed")
    parts = [f"{k} {v}" for k, v in {**report.outcome_counts(), **report.skipped_counts()}.items() if v]
    line = f"crawl {crawl_id} {status}: {' · '.join(parts) or 'nothing archived'} in {report.seconds:.1f}s -> {out}"
    compacted = [f"{k.removeprefix(COMPACTED)} {v}" for k, v in sorted(report.stats.items()) if k.startswith(COMPACTED)]
    if compacted:
        line += f"; compacted {', '.join(compacted)}"
    notes = [report.stats.get("archive/crawl_reason", "the crawl did not finish")] if status != "finished" else []
    if warc_error := report.stats.get(WARC_ERROR):
        notes.append(f"WARC capture stopped: {warc_error}")
    if notes:
        line += f" ({'; '.join(notes)})"
    return CrawlResult(status, line, report.stats)


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of `settings`; InvalidRequest if it names an archive setting (ARCHIVE_SETTINGS):
    which archive a crawl writes, and who holds its lock, is `crawl_into`'s to decide."""
    if named := sorted(set(settings) & set(ARCHIVE_SETTINGS)):
        raise InvalidRequest(f"{', '.join(named)} cannot be set: the archive is --out (and its lock is blogarchive's)")
    return dict(settings)


def crawl_pages(urls: list[str], *, follow: bool = True, settings: dict[str, Any] | None = None) -> CrawlReport:
    """Crawl `urls` in this process with the project's settings and `settings` on top.
    One crawl per process: Twisted's reactor cannot restart."""
    from blogarchive.crawler.runner import run_crawl  # the Scrapy project, loaded only to crawl

    return run_crawl(urls, follow=follow, overrides=settings)
