"""Streaming, atomic Parquet writer for the archive.

Rows are buffered per table and written as one Parquet file per flush: the file
is written under a hidden temporary name and renamed into place (on an object
store: uploaded whole under its final key), so a reader (pyarrow, DuckDB, another
crawl) only ever sees whole files. A flush happens when
the buffer reaches `flush_rows` rows or about `flush_bytes` bytes, and on close,
so memory stays bounded however long the crawl runs.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ArchiveError, ArchivePathError
from .location import Location, Root, locate
from .schema import SCHEMAS, fit_record
from .warc import WarcSegments

__all__ = ["ArchiveWriter", "check_archive_dir", "new_crawl_id", "prepare_archive_dir", "remove_temporaries"]

logger = logging.getLogger(__name__)

#: background commits that may wait at once (each holds one flush's rows in memory)
_MAX_PENDING = 2
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
#: seconds to wait between writing a file and renaming it into place: a test hook
#: that lets the crash tests kill a crawl in the middle of a file write
_PAUSE_BEFORE_RENAME = float(os.environ.get("BLOGARCHIVE_TEST_PAUSE_BEFORE_RENAME", "0") or 0)


def prepare_archive_dir(root: Root) -> Location:
    """Check that `root` can hold an archive and create its table folders (S3 has no
    folders: a key's prefix is made by writing the key)."""
    location = check_archive_dir(root)
    if not location.local:
        return location
    try:
        for table in SCHEMAS:
            Path(location.path(table)).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"cannot create {location}: {exc.strerror or exc}") from None
    return location


def check_archive_dir(root: Root) -> Location:
    """Raise ArchiveError unless `root` is (or can become) a writable archive.

    Creates nothing: the command line calls it before any work starts.
    """
    location = locate(root)
    if not location.local:
        return _check_bucket(location)
    path = Path(location.base)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe == path and not path.is_dir():
        raise ArchivePathError(f"{path} exists and is not a directory")
    if path.name in SCHEMAS and locate(path.parent).holds_archive():
        raise ArchivePathError(f"{path} is the {path.name} folder of the archive at {path.parent}: give {path.parent}")
    if probe != path and not probe.is_dir():
        raise ArchivePathError(f"cannot create {path}: {probe} is not a directory")
    try:  # a real attempt: os.access says yes to root even on read-only file systems
        tempfile.TemporaryDirectory(dir=probe, prefix=".blogarchive-probe-").cleanup()
    except OSError:
        raise ArchivePathError(f"{probe} is not writable") from None
    return location


def _check_bucket(location: Location) -> Location:
    """The bucket must exist (we never create one) and take a write: a real attempt,
    as for a folder, so a wrong key or policy fails before the crawl, in one line."""
    if not location.exists():
        bucket = location.base.split("/", 1)[0]
        where = f" at {location.endpoint}" if location.endpoint else ""
        raise ArchiveError(f"bucket {bucket!r} does not exist{where}")
    probe = location.path(f".blogarchive-probe-{uuid.uuid4().hex[:8]}")
    location.put_bytes(probe, b"")
    location.delete(probe)
    return location


class ArchiveWriter:
    """Writes `pages` and `fetches` rows of one crawl into an archive folder."""

    def __init__(
        self,
        root: Root,
        crawl_id: str,
        *,
        flush_rows: int = 1000,
        flush_bytes: int = 64 * 1024 * 1024,
        flush_seconds: float = 60.0,
        row_group_rows: int = 250,
        compression: str = "zstd",
        background: bool = False,
        warc: WarcSegments | None = None,
    ) -> None:
        if not _SAFE_ID.match(crawl_id):
            raise ValueError(f"unsafe crawl id {crawl_id!r}")
        self.root = locate(root)
        self.crawl_id = crawl_id
        self.flush_rows = flush_rows
        self.flush_bytes = flush_bytes
        self.flush_seconds = flush_seconds
        self._last_flush = time.monotonic()
        self.row_group_rows = row_group_rows
        self.compression = compression
        self._buffers: dict[str, list[Mapping[str, Any]]] = {t: [] for t in SCHEMAS}
        self._buffered_bytes: dict[str, int] = {t: 0 for t in SCHEMAS}
        self._sequence = 0
        self.rows_written: dict[str, int] = {t: 0 for t in SCHEMAS}
        #: (kind, outcome) of every `fetches` row committed: what a crawl reports as done,
        #: which on a full disk is less than what it was handed
        self.committed: Counter[tuple[str, str]] = Counter()
        self.files_written: list[str] = []
        self._opened = False
        # with `background`, files are compressed and written by one thread (Arrow
        # releases the GIL), so the caller's thread (a crawl's reactor) is not held up;
        # one thread keeps the commits in order
        self._committer = ThreadPoolExecutor(1, thread_name_prefix="archive-writer") if background else None
        self._pending: deque[Future[None]] = deque()
        #: the crawl's WARC segments: published before any Parquet file that may point into them
        self.warc = warc

    def open(self) -> None:
        prepare_archive_dir(self.root)
        self._opened = True

    def write_page(self, record: Mapping[str, Any]) -> None:
        self._add("pages", record)

    def write_fetch(self, record: Mapping[str, Any]) -> None:
        self._add("fetches", record)

    def write(self, table: str, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self._add(table, record)

    def write_crawl(self, record: Mapping[str, Any]) -> None:
        """Commit one `crawls` row at once, after every file before it: a crawl's status
        must be visible as it changes, and `finished` only once its data is."""
        self._wait(0)
        self._commit("crawls", pa.Table.from_pylist([record], schema=SCHEMAS["crawls"]))

    def _add(self, table: str, record: Mapping[str, Any]) -> None:
        record = fit_record(table, record)
        self._buffers[table].append(record)
        self._buffered_bytes[table] += _approx_size(record)
        if (
            len(self._buffers[table]) >= self.flush_rows
            or self._buffered_bytes[table] >= self.flush_bytes
            or time.monotonic() - self._last_flush >= self.flush_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows, `pages` before `fetches`, each table as a new file.

        Pages go first: a crash between the two renames leaves a page whose
        `stored` fetch row is missing, never a `stored` row without its page.
        """
        self._last_flush = time.monotonic()
        if self._committer is not None:
            # first: a commit that failed raises here, while this flush's rows and WARC
            # segments are still the writer's, for `abandon` to drop
            self._wait(_MAX_PENDING - 1)  # bounded: at most a few flushes wait in memory
        sealed = self.warc.seal() if self.warc is not None else []
        batch = []
        for name in ("pages", "fetches"):
            rows = self._buffers[name]
            if rows:
                if (arrow_table := _arrow(name, rows)).num_rows:
                    batch.append((name, arrow_table))
                self._buffers[name] = []
                self._buffered_bytes[name] = 0
        if not batch and not sealed:
            return
        if self._committer is None:
            self._commit_batch(batch, sealed)
            return
        self._pending.append(self._committer.submit(self._commit_batch, batch, sealed))

    def _commit_batch(self, batch: list[tuple[str, pa.Table]], sealed: list[tuple[str, str]] | None = None) -> None:
        for segment in sealed or []:  # the WARC first: rows may point into it
            assert self.warc is not None
            self.warc.publish(segment)
        for name, arrow_table in batch:
            self._commit(name, arrow_table)
            self.rows_written[name] += arrow_table.num_rows
            if name == "fetches":
                self.committed.update(zip(arrow_table["kind"].to_pylist(), arrow_table["outcome"].to_pylist()))

    def _wait(self, keep: int) -> None:
        """Wait until at most `keep` background commits are pending; raise the first
        one that failed (an ArchiveError)."""
        while self._pending and (len(self._pending) > keep or self._pending[0].done()):
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            self.flush()
            self._wait(0)
        finally:
            if self._committer is not None:
                self._committer.shutdown(wait=True)

    def abandon(self) -> None:
        """After a failed write: let the commits under way end (whichever succeed count in
        `committed`), drop the rows still buffered, and remove the WARC segments that no
        committed row points into. Raises nothing: the failure was reported already."""
        if self._committer is not None:
            self._committer.shutdown(wait=True)
        self._pending.clear()
        self._buffers = {t: [] for t in SCHEMAS}
        if self.warc is not None:
            self.warc.discard()

    def __enter__(self) -> ArchiveWriter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _commit(self, table: str, arrow_table: pa.Table) -> None:
        if not self._opened:
            self.open()
        self._sequence += 1
        name = f"{self.crawl_id}-{self._sequence:05d}.parquet"
        if self.root.local:
            final = self._commit_local(table, name, arrow_table)
        else:
            final = self._commit_remote(table, name, arrow_table)
        self.files_written.append(final)

    def _write_parquet(self, arrow_table: pa.Table, where: Any) -> None:
        """Every data page with a CRC-32 checksum, which readers verify (archive.integrity)."""
        pq.write_table(
            arrow_table,
            where,
            compression=self.compression,
            row_group_size=self.row_group_rows,
            write_page_checksum=True,
        )

    def _commit_local(self, table: str, name: str, arrow_table: pa.Table) -> str:
        """Write a hidden temporary, fsync it, rename it into place."""
        folder = Path(self.root.path(table))
        final = folder / name
        tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            self._write_parquet(arrow_table, tmp)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            if _PAUSE_BEFORE_RENAME:  # fault injection for the crash tests only
                time.sleep(_PAUSE_BEFORE_RENAME)
            os.replace(tmp, final)
            _fsync_dir(folder)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # the folder itself is gone or broken: nothing to clean
            raise ArchiveError(f"cannot write {final}: {exc.strerror or exc}") from exc
        return str(final)

    def _commit_remote(self, table: str, name: str, arrow_table: pa.Table) -> str:
        """Build the whole file in memory, then upload it under its final key.

        Not streamed: an upload stream that is closed after an error completes the
        upload, which would publish half a file. A file is one flush (bounded by
        ARCHIVE_FLUSH_BYTES), so the copy in memory is bounded too.
        """
        sink = pa.BufferOutputStream()
        self._write_parquet(arrow_table, sink)
        data = sink.getvalue()
        if _PAUSE_BEFORE_RENAME:
            time.sleep(_PAUSE_BEFORE_RENAME)
        final = self.root.path(table, name)
        self.root.put_bytes(final, data.to_pybytes())
        return f"s3://{final}"


def _arrow(table: str, rows: list[Mapping[str, Any]]) -> pa.Table:
    """`rows` as an Arrow table of `table`'s schema; a row that still cannot be converted
    (a value of the wrong kind) is left out with a log line, never its whole batch."""
    schema = SCHEMAS[table]
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        kept = []
        for row in rows:
            try:
                kept.append(pa.Table.from_pylist([row], schema=schema))
            except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
                logger.warning("a %s row of %s could not be written and is left out: %s", table, row.get("url"), exc)
        return pa.concat_tables(kept) if kept else schema.empty_table()


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (power loss), where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_temporaries(root: Root) -> int:
    """Delete half-written files a killed writer left behind; call only while holding
    the archive lock (no other writer can be mid-write). Returns how many went.

    An object store has none: an upload that never completed never became an object.
    """
    location = locate(root)
    if not location.local:
        return 0
    removed = 0
    for folder in (*SCHEMAS, "warc"):
        for tmp in Path(location.path(folder)).glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def _approx_size(record: Mapping[str, Any]) -> int:
    return sum(len(v) for v in record.values() if isinstance(v, (str, bytes))) + 64


class _NoPandas:
    """A finder that refuses to import pandas (see `lighten_for_crawling`)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("a crawl process builds tables from lists, never from pandas")
        return None


def lighten_for_crawling() -> None:
    """pyarrow set up for a process that crawls and writes an archive, and nothing else.

    - Its memory comes from the system allocator, which gives freed pages back: pyarrow's
      own (mimalloc or jemalloc) keeps them for reuse, some 60 MB more at the peak of a
      crawl that writes large pages.
    - pyarrow is told that pandas is not there. It imports pandas, when installed, on the
      first array it builds from a list, only to ask whether the list is a DataFrame: 0.2 s
      and 40 MB of every crawl. It asks once per process and keeps the answer, so this is
      not for the library API, whose caller may call `to_pandas()` later. `import pandas`
      itself still works afterwards.
    """
    pa.set_memory_pool(pa.system_memory_pool())
    if "pandas" in sys.modules:
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(finder)


def new_crawl_id(now: datetime | None = None) -> str:
    """A sortable, unique crawl identifier: UTC time and a random suffix."""
    now = now or datetime.now(timezone.utc)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"
