"""`blogarchive compact`: a table's many small files rewritten as a few large ones, sorted
so that readers filtering by host or URL skip most of them.

Every crawl adds a few small files; a site crawled daily for a year has over a thousand.
Compaction reads them host by host (bounded memory), sorts the rows by a host-reversed
URL key (SURT-like: `example.blog.www/2024/post`) and capture time, and writes zstd
Parquet with statistics, page indexes and checksums, in row groups of tens of MB. Every
row is kept: the history of each page and its WARC pointers are unchanged.

A kill at any moment leaves each row visible exactly once to blogarchive's readers,
on a folder and on S3:

1. the new files are written under hidden names (`_compact-ID-00001.parquet`, which no
   reader lists);
2. the commit: a manifest `_compaction-ID.json` naming the new files and the files they
   replace is written whole (renamed into place; on S3, one object);
3. the new files are renamed to their final names, the replaced ones deleted, and the
   manifest removed.

A reader (`table_files`) that finds a manifest reads its new files (under whichever name
they have) and not the files it replaces; a compaction that finds one finishes it first;
hidden files that no manifest names (a kill before the commit) are removed. Tools that
glob the folder themselves (DuckDB's `read_parquet('pages/*.parquet')`) can see rows twice
in the seconds between step 3's renames and deletes. Compaction holds the archive's lock,
so no crawl writes meanwhile.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from .errors import ArchiveError
from .location import Location, Root, locate
from .schema import SCHEMAS

__all__ = ["CompactionReport", "compact", "table_files"]

OUTPUT_PREFIX = "compact-"
MANIFEST_PREFIX = "_compaction-"
#: rows read into memory at once: the files of a run of hosts up to this many bytes on disk
BATCH_BYTES = 48 * 1024 * 1024
#: a new output file is started past this many bytes written
OUTPUT_BYTES = 1024 * 1024 * 1024
#: uncompressed bytes per row group: large enough to scan, small enough to skip
ROW_GROUP_BYTES = 64 * 1024 * 1024
#: a test sets it to stop (SIGKILL) the command at one of the protocol's steps
STOP_AT = "BLOGARCHIVE_COMPACTION_STOP_AT"


@dataclass
class CompactionReport:
    table: str
    files_before: int = 0
    bytes_before: int = 0
    files_after: int = 0
    bytes_after: int = 0
    rows: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)


# --- which files a reader reads ---------------------------------------------------------


def _listing(location: Location, table: str) -> list[pafs.FileInfo]:
    selector = pafs.FileSelector(location.path(table), allow_not_found=True)
    try:
        return [info for info in location.fs.get_file_info(selector) if info.type == pafs.FileType.File]
    except OSError as exc:
        raise ArchiveError(f"cannot list {location.uri}/{table}: {exc}") from None


def _manifests(location: Location, infos: list[pafs.FileInfo]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for info in sorted(infos, key=lambda i: i.base_name):
        if info.base_name.startswith(MANIFEST_PREFIX) and info.base_name.endswith(".json"):
            data = location.read_bytes(info.path)
            if data is None:
                continue  # finished and removed meanwhile
            try:
                manifest = json.loads(data)
                manifest["outputs"], manifest["replaced"]
            except (ValueError, KeyError, TypeError):
                raise ArchiveError(f"{info.path} is damaged: not a compaction manifest") from None
            found.append((info.path, manifest))
    return found


def table_files(location: Location, table: str) -> list[str]:
    """The files of `table` a reader reads: the visible Parquet files, with a committed
    compaction's new files in place of those it replaces (see the module's protocol)."""
    infos = _listing(location, table)
    visible = {
        info.path for info in infos if info.base_name.endswith(".parquet") and not info.base_name.startswith((".", "_"))
    }
    present = {info.path for info in infos}
    for _, manifest in _manifests(location, infos):
        for name in manifest["replaced"]:
            visible.discard(location.path(table, name))
        for name in manifest["outputs"]:
            final, hidden = location.path(table, name), location.path(table, "_" + name)
            if final in present:
                visible.add(final)
            elif hidden in present:
                visible.add(hidden)
            else:
                raise ArchiveError(f"{location.uri}/{table}: the compacted file {name} is missing")
    return sorted(visible)


# --- the command ---------------------------------------------------------------------


def compact(root: Root, table: str) -> CompactionReport:
    """Compact `table` of the archive at `root` (the caller holds the archive's lock)."""
    started = time.perf_counter()
    location = locate(root)
    location.check_readable()
    _finish(location, table)
    files = table_files(location, table)
    report = CompactionReport(table, files_before=len(files))
    report.bytes_before = sum(_size(location, path) for path in files)
    if len(files) < 2:
        report.files_after, report.bytes_after = report.files_before, report.bytes_before
        report.seconds = time.perf_counter() - started
        return report
    ident = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    writer = _Outputs(location, table, ident)
    try:
        for batch in _batches(location, table, files):
            rows = _sorted(table, _read(location, table, batch))
            writer.write(rows)
            report.rows += rows.num_rows
        writer.close()
    except BaseException:
        writer.discard()
        raise
    _stop_here("written")
    manifest = {
        "outputs": [name for name in writer.names],
        "replaced": [path.rsplit("/", 1)[1] for path in files],
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    _put_whole(location, location.path(table, f"{MANIFEST_PREFIX}{ident}.json"), json.dumps(manifest).encode())
    _stop_here("committed")
    _finish(location, table)
    after = table_files(location, table)
    report.outputs = after
    report.files_after = len(after)
    report.bytes_after = sum(_size(location, path) for path in after)
    report.seconds = time.perf_counter() - started
    return report


def _finish(location: Location, table: str) -> None:
    """Finish what a committed compaction left (renames, deletes), and remove the hidden
    files of one killed before its commit."""
    infos = _listing(location, table)
    named: set[str] = set()
    for path, manifest in _manifests(location, infos):
        for name in manifest["outputs"]:
            named.add(name)
            final, hidden = location.path(table, name), location.path(table, "_" + name)
            if _exists(location, hidden) and not _exists(location, final):
                _rename(location, hidden, final)
        _stop_here("renamed")
        for name in manifest["replaced"]:
            if name not in manifest["outputs"]:
                _delete(location, location.path(table, name))
        _stop_here("deleted")
        _delete(location, path)
    for info in infos:  # outputs of a compaction killed before its commit
        base = info.base_name
        if base.startswith("_" + OUTPUT_PREFIX) and base[1:] not in named:
            _delete(location, info.path)


def _stop_here(step: str) -> None:
    if os.environ.get(STOP_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


# --- reading in host order, bounded ----------------------------------------------------


def _surt_host(host: str) -> str:
    return ".".join(reversed(host.split(".")))


def _batches(location: Location, table: str, files: list[str]) -> list[list[str]]:
    """The files in runs of hosts: sorted by the first host they hold (host-reversed), a run
    closed once past BATCH_BYTES where the next file starts after every host of the run, so
    that each host's rows are in one run and the runs come in key order."""
    if table == "crawls":
        return [files]
    spans = []
    for path in files:
        low, high = _host_range(location, path)
        spans.append((_surt_host(low), _surt_host(high), _size(location, path), path))
    spans.sort()
    batches: list[list[str]] = []
    current: list[str] = []
    size, top = 0, ""
    for low, high, nbytes, path in spans:
        if current and size >= BATCH_BYTES and low > top:
            batches.append(current)
            current, size, top = [], 0, ""
        current.append(path)
        size += nbytes
        top = max(top, high)
    if current:
        batches.append(current)
    return batches


def _host_range(location: Location, path: str) -> tuple[str, str]:
    """The least and greatest host of a file, from its row groups' statistics (the file
    read when they are missing)."""
    source = path if location.local else location.fs.open_input_file(path)
    metadata = pq.ParquetFile(source).metadata
    names = [metadata.schema.column(i).path for i in range(metadata.num_columns)]
    if "host" in names:
        column = names.index("host")
        lows, highs = [], []
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(column).statistics
            if stats is None or not stats.has_min_max:
                break
            lows.append(stats.min)
            highs.append(stats.max)
        else:
            if lows:
                return min(lows), max(highs)
    hosts = pq.read_table(source, columns=["host"])["host"] if "host" in names else pa.array([""])
    bounds = pc.min_max(hosts).as_py()
    return bounds["min"] or "", bounds["max"] or ""


def _read(location: Location, table: str, paths: list[str]) -> pa.Table:
    from .integrity import read_parquet

    schema = SCHEMAS[table]
    return pa.concat_tables([read_parquet(location, path, table, schema) for path in paths])


def _sorted(table: str, rows: pa.Table) -> pa.Table:
    if table == "crawls":
        return rows.sort_by([("started_at", "ascending"), ("crawl_id", "ascending"), ("recorded_at", "ascending")])
    hosts = rows["host"].to_pylist()
    urls = rows["url"].to_pylist()
    keys = pa.array(
        [_surt_host(host) + ")" + url.split("://", 1)[-1].split("/", 1)[-1] for host, url in zip(hosts, urls)]
    )
    keyed = rows.append_column("_key", keys)
    return keyed.sort_by([("_key", "ascending"), ("url", "ascending"), ("fetched_at", "ascending")]).drop_columns(
        ["_key"]
    )


# --- writing ----------------------------------------------------------------------------


class _Outputs:
    """The compaction's new files, written under hidden names."""

    def __init__(self, location: Location, table: str, ident: str) -> None:
        self.location = location
        self.table = table
        self.ident = ident
        self.names: list[str] = []
        self._writer: pq.ParquetWriter | None = None
        self._sink: Any = None
        self._written = 0

    def _open(self) -> None:
        name = f"{OUTPUT_PREFIX}{self.ident}-{len(self.names) + 1:05d}.parquet"
        self.names.append(name)
        path = self.location.path(self.table, "_" + name)
        if self.location.local:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._sink = open(path, "wb")
        else:
            self._sink = self.location.fs.open_output_stream(path, compression=None)
        self._writer = pq.ParquetWriter(
            self._sink,
            SCHEMAS[self.table],
            compression="zstd",
            write_statistics=True,
            write_page_index=True,
            write_page_checksum=True,
        )
        self._written = 0

    def write(self, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        if self._writer is None:
            self._open()
        assert self._writer is not None
        per_row = max(1, rows.nbytes // rows.num_rows)
        self._writer.write_table(rows, row_group_size=max(1, ROW_GROUP_BYTES // per_row))
        self._written += rows.nbytes
        if self._written >= OUTPUT_BYTES:
            self._close_one()

    def _close_one(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        if self.location.local:
            self._sink.flush()
            os.fsync(self._sink.fileno())
        self._sink.close()
        self._writer = self._sink = None

    def close(self) -> None:
        self._close_one()

    def discard(self) -> None:
        """After a failure: the hidden files go (a kill leaves them to the next run)."""
        try:
            if self._writer is not None:
                self._writer.close()
            if self._sink is not None:
                self._sink.close()
        except Exception:
            pass
        for name in self.names:
            _delete(self.location, self.location.path(self.table, "_" + name))


# --- file operations on a folder or S3 ---------------------------------------------------


def _size(location: Location, path: str) -> int:
    return int(location.fs.get_file_info(path).size or 0)


def _exists(location: Location, path: str) -> bool:
    return location.fs.get_file_info(path).type == pafs.FileType.File


def _rename(location: Location, source: str, target: str) -> None:
    try:
        if location.local:
            os.replace(source, target)
        else:  # S3 has no rename: a copy, then the delete; the manifest covers the gap
            location.fs.copy_file(source, target)
            location.fs.delete_file(source)
    except OSError as exc:
        raise ArchiveError(f"cannot rename {source} to {target}: {exc}") from None


def _delete(location: Location, path: str) -> None:
    try:
        location.fs.delete_file(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        if _exists(location, path):
            raise ArchiveError(f"cannot delete {path}: {exc}") from None


def _put_whole(location: Location, path: str, data: bytes) -> None:
    """Write a small file so that it appears whole or not at all."""
    if not location.local:
        location.put_bytes(path, data)
        return
    folder, name = path.rsplit("/", 1)
    tmp = f"{folder}/.{name}.{uuid.uuid4().hex[:8]}.tmp"
    with open(tmp, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(tmp, path)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
