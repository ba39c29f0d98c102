"""The blogarchive Parquet archive: schema, writer, reader. Knows nothing of Scrapy.

Its names load on first use (PEP 562): `blogarchive.archive.errors` alone, which every
command imports, costs no pyarrow, and `get --print`, which writes no archive, never
loads it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ArchiveError, ArchivePathError, InvalidRequest
    from .outcomes import OUTCOMES
    from .reader import (
        ArchiveSummary,
        page_history,
        read_crawls,
        read_fetches,
        read_pages,
        read_table,
        summarize,
    )
    from .schema import FETCHES_SCHEMA, PAGES_SCHEMA, SCHEMA_VERSION
    from .writer import ArchiveWriter, check_archive_dir, new_crawl_id

#: each public name and the module it lives in
_HOME = {
    "ArchiveError": "errors",
    "ArchivePathError": "errors",
    "InvalidRequest": "errors",
    "OUTCOMES": "outcomes",
    "ArchiveSummary": "reader",
    "page_history": "reader",
    "read_crawls": "reader",
    "read_fetches": "reader",
    "read_pages": "reader",
    "read_table": "reader",
    "summarize": "reader",
    "FETCHES_SCHEMA": "schema",
    "PAGES_SCHEMA": "schema",
    "SCHEMA_VERSION": "schema",
    "ArchiveWriter": "writer",
    "check_archive_dir": "writer",
    "new_crawl_id": "writer",
}

__all__ = [
    "ArchiveError",
    "ArchivePathError",
    "ArchiveSummary",
    "ArchiveWriter",
    "FETCHES_SCHEMA",
    "InvalidRequest",
    "OUTCOMES",
    "PAGES_SCHEMA",
    "SCHEMA_VERSION",
    "check_archive_dir",
    "new_crawl_id",
    "page_history",
    "read_crawls",
    "read_fetches",
    "read_pages",
    "read_table",
    "summarize",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
