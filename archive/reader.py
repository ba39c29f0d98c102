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
import pyarrow.parquet as pq

from .errors import ArchiveError
from .schema import SCHEMAS

__all__ = [
    "ArchiveSummary", "page_history", "read_crawls", "read_fetches", "read_pages", "read_table", "summarize",
]


def _files(root: str | os.PathLike[str], table: str) -> list[Path]:
    """The committed files of `table`: hidden temporaries of a writer are not among them."""
    path = Path(root)
    if not path.is_dir():
        raise ArchiveError(f"no archive at {path}")
    folder = path / table
    return sorted(folder.glob("[!._]*.parquet")) if folder.is_dir() else []


def _read_file(path: Path, schema: pa.Schema) -> pa.Table:
    """One file as `schema`: columns an older file lacks come back as nulls."""
    parquet = pq.ParquetFile(path)
    present = set(parquet.schema_arrow.names)
    table = parquet.read(columns=[name for name in schema.names if name in present])
    for column in schema:
        if column.name not in present:
            table = table.append_column(column, pa.nulls(table.num_rows, column.type))
    return table.select(schema.names).cast(schema)


def read_table(
    root: str | os.PathLike[str], table: str, columns: Sequence[str] | None = None
) -> pa.Table:
    """The whole `table` ("pages", "fetches" or "crawls") of the archive at `root`.

    Plain Parquet file reads (no pyarrow.dataset, which would import pandas: a
    second of start-up for every crawl).
    """
    full = SCHEMAS[table]
    schema = pa.schema([full.field(name) for name in columns]) if columns else full
    parts = [_read_file(path, schema) for path in _files(root, table)]
    return pa.concat_tables(parts) if parts else schema.empty_table()


def count_rows(root: str | os.PathLike[str], table: str) -> int:
    return sum(pq.ParquetFile(path).metadata.num_rows for path in _files(root, table))


def read_pages(
    root: str | os.PathLike[str], columns: Sequence[str] | None = None, *, latest: bool = False
) -> pa.Table:
    """The stored pages of the archive at `root` as a pyarrow Table.

    Every version of every page by default; with `latest=True`, only the newest
    version of each URL.
    """
    if not latest:
        return read_table(root, "pages", columns)
    wanted = list(columns) if columns else None
    extra = [c for c in ("url", "fetched_at") if wanted and c not in wanted]
    table = read_table(root, "pages", (wanted + extra) if wanted else None)
    table = latest_per_key(table, "url", "fetched_at")
    return table.drop_columns(extra) if extra else table


def latest_per_key(table: pa.Table, key: str, order: str) -> pa.Table:
    """One row per `key`: the one with the greatest `order`."""
    if table.num_rows == 0:
        return table
    indices = pc.sort_indices(table, sort_keys=[(key, "ascending"), (order, "descending")])
    ordered = table.take(indices)
    keys = ordered[key].combine_chunks()
    first = pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1))
    mask = pa.concat_arrays([pa.array([True]), first.fill_null(True)])
    return ordered.filter(mask)


def page_history(root: str | os.PathLike[str], url: str, columns: Sequence[str] | None = None) -> pa.Table:
    """Every stored version of one URL, oldest first."""
    wanted = list(columns) if columns else list(SCHEMAS["pages"].names)
    table = read_table(root, "pages", list(dict.fromkeys([*wanted, "url", "fetched_at"])))
    table = table.filter(pc.equal(table["url"], url)).sort_by("fetched_at")
    return table.select(wanted)


def read_crawls(root: str | os.PathLike[str]) -> pa.Table:
    """One row per crawl run with its latest status, oldest crawl first."""
    table = latest_per_key(read_table(root, "crawls"), "crawl_id", "recorded_at")
    return table.sort_by("started_at")


def read_fetches(root: str | os.PathLike[str], columns: Sequence[str] | None = None) -> pa.Table:
    """Every fetch attempt recorded in the archive at `root` as a pyarrow Table."""
    return read_table(root, "fetches", columns)


@dataclass
class ArchiveSummary:
    pages: int = 0
    versions: int = 0
    posts: int = 0
    sites: list[str] = field(default_factory=list)
    crawls: list[dict] = field(default_factory=list)
    words: int = 0
    first_published: datetime | None = None
    last_published: datetime | None = None
    outcomes: Counter[str] = field(default_factory=Counter)
    platforms: Counter[str] = field(default_factory=Counter)


def summarize(root: str | os.PathLike[str]) -> ArchiveSummary:
    """Counts over the archive, reading only the small columns."""
    pages = read_pages(root, ["host", "crawl_id", "page_type", "platform", "published", "word_count"], latest=True)
    fetches = read_fetches(root, ["crawl_id", "outcome"])
    summary = ArchiveSummary(pages=pages.num_rows, versions=count_rows(root, "pages"))
    if pages.num_rows:
        summary.posts = pc.sum(pc.equal(pages["page_type"], "post")).as_py() or 0
        summary.sites = sorted(pc.unique(pages["host"]).to_pylist())
        summary.words = pc.sum(pages["word_count"]).as_py() or 0
        bounds = pc.min_max(pages["published"]).as_py()
        summary.first_published, summary.last_published = bounds["min"], bounds["max"]
        summary.platforms = Counter(
            p or "unknown" for p in pages["platform"].to_pylist()
        )
    summary.crawls = read_crawls(root).to_pylist()
    summary.outcomes = Counter(fetches["outcome"].to_pylist())
    return summary
