"""The blogarchive Parquet archive: schema, writer, reader. Knows nothing of Scrapy."""

from __future__ import annotations

from .errors import ArchiveError, ArchivePathError, InvalidRequest
from .outcomes import OUTCOMES
from .reader import ArchiveSummary, page_history, read_crawls, read_fetches, read_pages, read_table, summarize
from .schema import FETCHES_SCHEMA, PAGES_SCHEMA, SCHEMA_VERSION
from .writer import ArchiveWriter, check_archive_dir, new_crawl_id

__all__ = [
    "ArchiveError",
    "ArchiveSummary",
    "ArchiveWriter",
    "FETCHES_SCHEMA",
    "OUTCOMES",
    "PAGES_SCHEMA",
    "SCHEMA_VERSION",
    "ArchivePathError",
    "InvalidRequest",
    "check_archive_dir",
    "new_crawl_id",
    "page_history",
    "read_crawls",
    "read_fetches",
    "read_pages",
    "read_table",
    "summarize",
]
