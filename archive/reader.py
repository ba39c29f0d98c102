"""Read an archive back: tables as pyarrow, and a summary for `blogarchive stats`."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from .errors import ArchiveError
from .schema import SCHEMAS

__all__ = ["read_pages", "read_fetches", "read_table", "summarize", "ArchiveSummary"]


def _dataset(root: str | os.PathLike[str], table: str) -> ds.Dataset:
    path = Path(root)
    if not path.is_dir():
        raise ArchiveError(f"no archive at {path}")
    folder = path / table
    files = sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
    return ds.dataset(files, schema=SCHEMAS[table], format="parquet")


def read_table(
    root: str | os.PathLike[str], table: str, columns: Sequence[str] | None = None
) -> pa.Table:
    """The whole `table` ("pages" or "fetches") of the archive at `root`."""
    return _dataset(root, table).to_table(columns=list(columns) if columns else None)


def read_pages(root: str | os.PathLike[str], columns: Sequence[str] | None = None) -> pa.Table:
    """Every stored page of the archive at `root` as a pyarrow Table."""
    return read_table(root, "pages", columns)


def read_fetches(root: str | os.PathLike[str], columns: Sequence[str] | None = None) -> pa.Table:
    """Every fetch attempt recorded in the archive at `root` as a pyarrow Table."""
    return read_table(root, "fetches", columns)


@dataclass
class ArchiveSummary:
    pages: int = 0
    posts: int = 0
    sites: list[str] = field(default_factory=list)
    crawls: int = 0
    words: int = 0
    first_published: datetime | None = None
    last_published: datetime | None = None
    outcomes: Counter[str] = field(default_factory=Counter)
    platforms: Counter[str] = field(default_factory=Counter)


def summarize(root: str | os.PathLike[str]) -> ArchiveSummary:
    """Counts over the archive, reading only the small columns."""
    pages = read_pages(root, ["host", "crawl_id", "page_type", "platform", "published", "word_count"])
    fetches = read_fetches(root, ["crawl_id", "outcome"])
    summary = ArchiveSummary(pages=pages.num_rows)
    if pages.num_rows:
        summary.posts = pc.sum(pc.equal(pages["page_type"], "post")).as_py() or 0
        summary.sites = sorted(pc.unique(pages["host"]).to_pylist())
        summary.words = pc.sum(pages["word_count"]).as_py() or 0
        bounds = pc.min_max(pages["published"]).as_py()
        summary.first_published, summary.last_published = bounds["min"], bounds["max"]
        summary.platforms = Counter(
            p or "unknown" for p in pages["platform"].to_pylist()
        )
    crawl_ids = set(pages["crawl_id"].to_pylist()) | set(fetches["crawl_id"].to_pylist())
    summary.crawls = len(crawl_ids)
    summary.outcomes = Counter(fetches["outcome"].to_pylist())
    return summary
