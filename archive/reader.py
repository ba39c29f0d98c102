"""Read an archive back: tables as pyarrow, and a summary for `blogarchive stats`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .compaction import table_files
from .errors import FilesMoved
from .integrity import iter_parquet, open_parquet, read_parquet, read_row_group
from .location import Location, Root, locate
from .schema import SCHEMAS

__all__ = [
    "page_rows",
    "ArchiveSummary",
    "committed_files",
    "iter_pages",
    "read_page_html",
    "page_history",
    "read_crawls",
    "read_fetches",
    "read_pages",
    "read_table",
    "summarize",
    "summary_of",
]


def _files(root: Root, table: str) -> tuple[Location, list[str]]:
    """The committed files of `table`: hidden temporaries of a writer are not among them."""
    location = locate(root)
    location.check_readable()
    return location, table_files(location, table)


def read_table(
    root: Root, table: str, columns: Sequence[str] | None = None, *, hosts: Collection[str] | None = None
) -> pa.Table:
    """The whole `table` ("pages", "fetches" or "crawls") of the archive at `root`; with
    `hosts` (pages and fetches), only the rows of those hosts and their subdomains.

    Plain Parquet file reads (no pyarrow.dataset, which would import pandas: a
    second of start-up for every crawl).
    """
    full = SCHEMAS[table]
    schema = pa.schema([full.field(name) for name in columns]) if columns else full
    location, files = _files(root, table)
    only = frozenset(hosts) if hosts is not None else None
    with _files_may_move(table):
        parts = [read_parquet(location, path, table, schema, only) for path in files]
    return pa.concat_tables(parts) if parts else schema.empty_table()


@contextmanager
def _files_may_move(table: str) -> Iterator[None]:
    """FilesMoved, one line, for a listed file that is gone when it is opened."""
    try:
        yield
    except FileNotFoundError as exc:
        raise FilesMoved(
            f"{exc.filename or 'a file of ' + table} went away while the archive was read "
            "(a compaction replaced it): read again"
        ) from None


def committed_files(root: Root, table: str) -> list[str]:
    """The committed files of `table` (paths within the archive's filesystem): a reader that
    caches what it derived from them can tell from this list when the archive changed."""
    return _files(root, table)[1]


def read_page_html(root: Root, url: str, fetched_at: datetime) -> str | None:
    """The raw `html` of one version of one page, or None."""
    found = read_page_versions(root, url, [fetched_at], ["html"])
    return found[fetched_at]["html"] if fetched_at in found else None


def read_page_versions(
    root: Root, url: str, times: Sequence[datetime], columns: Sequence[str]
) -> dict[datetime, dict[str, Any]]:
    """`columns` of the versions of `url` captured at `times` (those found), by time; reads
    only the row groups whose statistics may hold `url`, and only the columns asked for (a
    page's text is read when it is shown, not held for the whole archive)."""
    location, files = _files(root, "pages")
    schema = pa.schema([SCHEMAS["pages"].field(name) for name in dict.fromkeys(["url", "fetched_at", *columns])])
    wanted = pa.array(list(times), SCHEMAS["pages"].field("fetched_at").type)
    found: dict[datetime, dict[str, Any]] = {}
    with _files_may_move("pages"):
        return _read_versions(location, files, url, wanted, schema, found, len(set(times)))


def _read_versions(
    location: Location,
    files: list[str],
    url: str,
    wanted: pa.Array,
    schema: pa.Schema,
    found: dict[datetime, dict[str, Any]],
    count: int,
) -> dict[datetime, dict[str, Any]]:
    for path in files:
        parquet = open_parquet(location, path, "pages")
        metadata = parquet.metadata
        column = next((i for i in range(metadata.num_columns) if metadata.schema.column(i).path == "url"), None)
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(column).statistics if column is not None else None
            if stats is not None and stats.has_min_max and not (stats.min <= url <= stats.max):
                continue
            table = read_row_group(location, path, group, "pages", schema)
            hit = table.filter(pc.and_(pc.equal(table["url"], url), pc.is_in(table["fetched_at"], value_set=wanted)))
            for row in hit.to_pylist():
                found[row["fetched_at"]] = row
            if len(found) == count:
                return found
    return found


def count_rows(root: Root, table: str) -> int:
    location, files = _files(root, table)
    return sum(open_parquet(location, path, table).metadata.num_rows for path in files)


def read_pages(
    root: Root, columns: Sequence[str] | None = None, *, latest: bool = False, hosts: Collection[str] | None = None
) -> pa.Table:
    """The stored pages of the archive at `root` as a pyarrow Table.

    Every version of every page by default; with `latest=True`, only the newest
    version of each URL; with `hosts`, only the pages of those hosts and their subdomains.
    """
    if not latest:
        return read_table(root, "pages", columns, hosts=hosts)
    wanted = list(columns) if columns else None
    extra = [c for c in ("url", "fetched_at") if wanted and c not in wanted]
    table = read_table(root, "pages", (wanted + extra) if wanted else None, hosts=hosts)
    table = latest_per_key(table, "url", "fetched_at")
    return table.drop_columns(extra) if extra else table


def iter_pages(root: Root, columns: Sequence[str] | None = None, *, latest: bool = False) -> Iterator[pa.Table]:
    """The stored pages, one row group of one archive file at a time (memory bounded by a
    row group: a writer's are 250 rows, a compacted file's tens of MB).

    With `latest=True`, only each URL's newest version: which rows those are is settled
    first from the small `url` and `fetched_at` columns.
    """
    location, files = _files(root, "pages")  # now, not at the first row: a missing archive fails at once
    return _iter_pages(location, files, columns, latest)


def _iter_pages(
    location: Location, files: list[str], columns: Sequence[str] | None, latest: bool
) -> Iterator[pa.Table]:
    wanted = list(columns) if columns else list(SCHEMAS["pages"].names)
    keys = [c for c in ("url", "fetched_at") if c not in wanted]
    schema = pa.schema([SCHEMAS["pages"].field(name) for name in wanted + keys])
    newest: dict[str, Any] = {}
    with _files_may_move("pages"):
        if latest:  # from the same files as the rows: a file committed meanwhile is in neither
            keys_schema = pa.schema([SCHEMAS["pages"].field("url"), SCHEMAS["pages"].field("fetched_at")])
            for path in files:
                for row in read_parquet(location, path, "pages", keys_schema).to_pylist():
                    if row["url"] not in newest or row["fetched_at"] > newest[row["url"]]:
                        newest[row["url"]] = row["fetched_at"]
        yield from _versions_of_files(location, files, schema, keys, newest, latest)


def _versions_of_files(
    location: Location, files: list[str], schema: pa.Schema, keys: list[str], newest: dict[str, Any], latest: bool
) -> Iterator[pa.Table]:
    for path in files:
        for table in iter_parquet(location, path, "pages", schema):
            if latest:
                pairs = zip(table["url"].to_pylist(), table["fetched_at"].to_pylist())
                table = table.filter(pa.array([newest.get(u) == t for u, t in pairs], pa.bool_()))
            if table.num_rows:
                yield table.drop_columns(keys) if keys else table


def latest_per_key(table: pa.Table, key: str, order: str) -> pa.Table:
    """One row per `key`: the one with the greatest `order`."""
    if table.num_rows == 0:
        return table
    return table.take(latest_indices(table, key, order))


def latest_indices(table: pa.Table, key: str, order: str) -> pa.Array:
    """The index of the row with the greatest `order` of each `key`, in `key` order (sorted
    on those two columns alone: the caller takes the rest once)."""
    indices = pc.sort_indices(table.select([key, order]), sort_keys=[(key, "ascending"), (order, "descending")])
    return indices.filter(run_starts(table[key].take(indices)))


def run_starts(keys: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Whether each of sorted `keys` starts a run of equal keys."""
    return pa.concat_arrays([pa.array([True]), _key_changes(keys)]) if len(keys) else pa.array([], pa.bool_())


def run_ends(keys: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Whether each of sorted `keys` ends a run of equal keys."""
    return pa.concat_arrays([_key_changes(keys), pa.array([True])]) if len(keys) else pa.array([], pa.bool_())


def _key_changes(keys: pa.Array | pa.ChunkedArray) -> pa.Array:
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    return pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1)).fill_null(True)


def page_history(root: Root, url: str, columns: Sequence[str] | None = None) -> pa.Table:
    """Every stored version of one URL, oldest first."""
    wanted = list(columns) if columns else list(SCHEMAS["pages"].names)
    table = read_table(root, "pages", list(dict.fromkeys([*wanted, "url", "fetched_at"])))
    table = table.filter(pc.equal(table["url"], url)).sort_by("fetched_at")
    return table.select(wanted)


def read_crawls(root: Root) -> pa.Table:
    """One row per crawl run with its latest status, oldest crawl first."""
    table = latest_per_key(read_table(root, "crawls"), "crawl_id", "recorded_at")
    return table.sort_by("started_at")


def read_fetches(root: Root, columns: Sequence[str] | None = None, *, hosts: Collection[str] | None = None) -> pa.Table:
    """Every fetch attempt recorded in the archive at `root` (of `hosts`) as a pyarrow Table."""
    return read_table(root, "fetches", columns, hosts=hosts)


@dataclass
class ArchiveSummary:
    pages: int = 0
    versions: int = 0
    posts: int = 0
    sites: list[str] = field(default_factory=list)
    #: how many crawls, and the last ten of them (oldest first), as dictionaries of their columns
    crawl_count: int = 0
    recent_crawls: list[dict] = field(default_factory=list)
    words: int = 0
    first_published: datetime | None = None
    last_published: datetime | None = None
    outcomes: Counter[str] = field(default_factory=Counter)
    platforms: Counter[str] = field(default_factory=Counter)


def summarize(root: Root) -> ArchiveSummary:
    """Counts over the archive, reading only the small columns."""
    root = locate(root)
    pages = read_pages(root, ["host", "crawl_id", "page_type", "platform", "published", "word_count"], latest=True)
    fetches = read_fetches(root, ["crawl_id", "outcome"])
    return summary_of(pages, count_rows(root, "pages"), fetches, read_crawls(root))


def summary_of(latest: pa.Table, versions: int, fetches: pa.Table, crawls: pa.Table) -> ArchiveSummary:
    """`summarize` of tables read already: the latest version of each page (with `host`,
    `page_type`, `platform`, `published`, `word_count`), the count of all versions, the
    fetches (with `outcome`) and the crawls."""
    summary = ArchiveSummary(pages=latest.num_rows, versions=versions)
    if latest.num_rows:
        summary.posts = pc.sum(pc.equal(latest["page_type"], "post")).as_py() or 0
        summary.sites = sorted(pc.unique(latest["host"]).to_pylist())
        summary.words = pc.sum(latest["word_count"]).as_py() or 0
        bounds = pc.min_max(latest["published"]).as_py()
        summary.first_published, summary.last_published = bounds["min"], bounds["max"]
        summary.platforms = _value_counts(latest["platform"], "unknown")
    summary.crawl_count = crawls.num_rows
    summary.recent_crawls = crawls.slice(max(0, crawls.num_rows - RECENT_CRAWLS)).to_pylist()
    summary.outcomes = _value_counts(fetches["outcome"], "unknown")
    return summary


#: crawls a summary lists one by one
RECENT_CRAWLS = 10


def _value_counts(values: pa.ChunkedArray, missing: str) -> Counter[str]:
    """How often each value occurs (counted in Arrow: a million to_pylist() strings took a second)."""
    counts: Counter[str] = Counter()
    for entry in pc.value_counts(values).to_pylist():
        counts[entry["values"] if entry["values"] is not None else missing] += entry["counts"]
    return counts


def page_rows(root: Root, columns: list[str], *, history: bool, posts_only: bool) -> Iterator[dict[str, Any]]:
    """The rows of `columns` (which hold `page_type`) to export, one archive file at a time."""
    batches = iter_pages(root, columns, latest=not history)  # a missing archive fails here, not at the first row
    if posts_only:
        batches = (batch.filter(pc.equal(batch["page_type"], "post")) for batch in batches)
    return (row for batch in batches for row in batch.to_pylist())
