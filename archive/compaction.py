"""`blogarchive compact`: a table's many small files rewritten as a few large ones, sorted
so that readers filtering by host or URL skip most of them.

Every crawl adds a few small files; a site crawled daily for a year has over a thousand.
Compaction reads them host by host (bounded memory), sorts the rows by a host-reversed
URL key (SURT-like: `example.blog.www/2024/post`) and capture time, and writes zstd
Parquet with statistics, page indexes and checksums, in row groups of tens of MB. Every
row is kept: the history of each page and its WARC pointers are unchanged.

A kill at any moment leaves each row visible exactly once to blogarchive's readers,
on a folder and on S3:

1. the new files are written under hidden names (`_compact-ID-00001.parquet.part`, which no
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

import hashlib
import json
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
#: a new file is written as `_NAME.part`: no `*.parquet` glob (DuckDB's and polars' match names
#: starting with `_` or `.`) reads it before it is renamed into place
HIDDEN_SUFFIX = ".part"


def _hidden(name: str) -> str:
    return f"_{name}{HIDDEN_SUFFIX}"


MANIFEST_PREFIX = "_compaction-"
#: rows read into memory at once: the files of a run of hosts up to this many bytes of data
#: (uncompressed, as the files' footers count it)
BATCH_BYTES = 64 * 1024 * 1024
#: and at most this many row groups (of small files, mostly) a run
BATCH_PARTS = 2048
#: a new output file is started past this many bytes written
OUTPUT_BYTES = 1024 * 1024 * 1024
#: uncompressed bytes per row group: large enough to scan, small enough to skip
ROW_GROUP_BYTES = 32 * 1024 * 1024
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
    #: the files rewritten, and the full files of earlier compactions kept as they are
    replaced: int = 0
    kept: int = 0
    #: the new files written, and the bytes of those and of the files they replaced
    written: int = 0
    bytes_written: int = 0
    bytes_replaced: int = 0


# --- which files a reader reads ---------------------------------------------------------


def _listing(location: Location, table: str) -> list[pafs.FileInfo]:
    selector = pafs.FileSelector(location.path(table), allow_not_found=True)
    try:
        return [info for info in location.fs.get_file_info(selector) if info.type == pafs.FileType.File]
    except OSError as exc:
        raise ArchiveError(f"cannot list {location.uri}/{table}: {exc}") from None


_REPLACED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.parquet$")


def _manifests(location: Location, infos: list[pafs.FileInfo]) -> list[tuple[str, dict[str, Any]]]:
    """The committed compactions of a table folder: (manifest path, manifest), each checked
    to name only plain files of its own folder (a damaged or hand-made one that names
    `../x` or another compaction's files is an error, and nothing is done with it)."""
    found = []
    for info in sorted(infos, key=lambda i: i.base_name):
        base = info.base_name
        if not (base.startswith(MANIFEST_PREFIX) and base.endswith(".json")):
            continue
        data = location.read_bytes(info.path)
        if data is None:
            continue  # finished and removed meanwhile
        ident = base[len(MANIFEST_PREFIX) : -len(".json")]
        own = re.compile(rf"^{re.escape(OUTPUT_PREFIX + ident)}-\d{{5}}\.parquet$")
        try:
            manifest = json.loads(data)
            outputs, replaced, rows = manifest["outputs"], manifest["replaced"], manifest["rows"]
            valid = (
                isinstance(outputs, list)
                and isinstance(replaced, list)
                and isinstance(rows, int)
                and not isinstance(rows, bool)  # JSON's true is a Python int
                and rows >= 0
                and all(isinstance(name, str) and own.match(name) for name in outputs)
                and all(isinstance(name, str) and _REPLACED_NAME.match(name) for name in replaced)
                and not set(outputs) & set(replaced)
            )
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise ArchiveError(
                f"{info.path} is damaged: not a compaction manifest of this folder; nothing done "
                "(the files it names, new and replaced, may both be there: keep one set before removing it)"
            )
        found.append((info.path, manifest))
    return found


def _state(location: Location, table: str, manifest: dict[str, Any], present: set[str]) -> str:
    """`complete` when every new file is there (under either name): the compaction stands;
    `undone` when one is missing but every file it replaced is still there: it is rolled
    back (a kill before the manifest, or a damaged new file quarantined); `lost` otherwise."""
    outputs = [location.path(table, name) for name in manifest["outputs"]]
    hidden = [location.path(table, _hidden(name)) for name in manifest["outputs"]]
    if all(final in present or secret in present for final, secret in zip(outputs, hidden)):
        return "complete"
    if all(location.path(table, name) in present for name in manifest["replaced"]):
        return "undone"
    return "lost"


def table_files(location: Location, table: str) -> list[str]:
    """The files of `table` a reader reads: the visible Parquet files, with a committed
    compaction's new files in place of those it replaces (see the module's protocol).

    A listing taken while a compaction renames its files can miss one under both names: a
    compaction that looks lost is listed again (three times, a tenth of a second apart)
    before the archive is called damaged."""
    for attempt in range(3):
        try:
            return _table_files(location, table)
        except _LooksLost:
            if attempt == 2:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


class _LooksLost(ArchiveError):
    """A committed compaction whose files, new and replaced, are missing from a listing."""


def _table_files(location: Location, table: str) -> list[str]:
    infos = _listing(location, table)
    visible = {
        info.path for info in infos if info.base_name.endswith(".parquet") and not info.base_name.startswith((".", "_"))
    }
    present = {info.path for info in infos}
    for path, manifest in _manifests(location, infos):
        state = _state(location, table, manifest, present)
        if state == "undone":  # the files it replaced stand; the next compaction rolls it back
            for name in manifest["outputs"]:
                visible.discard(location.path(table, name))  # a new file renamed before another went missing
            continue
        if state == "lost":
            raise _LooksLost(
                f"{path}: files it names are missing, new and replaced alike: the archive is damaged "
                "(move this manifest out of the folder to read the rows that are left)"
            )
        for name in manifest["replaced"]:
            visible.discard(location.path(table, name))
        for name in manifest["outputs"]:
            final, hidden = location.path(table, name), location.path(table, _hidden(name))
            visible.discard(final)
            visible.add(final if final in present else hidden)
    return sorted(visible)


# --- the command ---------------------------------------------------------------------


def compact(root: Root, table: str, still_ours: Callable[[], None] | None = None) -> CompactionReport:
    """Compact `table` of the archive at `root` (the caller holds the archive's lock).

    `still_ours` (the lock's `check`) raises when the caller no longer holds the archive: it
    is asked before the manifest is committed and before files are renamed and deleted, so
    a compaction whose object-store lease lapsed while it ran changes nothing visible."""
    started = time.perf_counter()
    location = locate(root)
    location.check_readable()
    _finish(location, table, still_ours)
    every = table_files(location, table)
    report = CompactionReport(table, files_before=len(every))
    sizes = {path: _size(location, path) for path in every}
    report.bytes_before = sum(sizes.values())
    # an earlier compaction's full files stay: a day's new files cost a day's work, not the archive's
    files = [path for path in every if not _full_output(location, table, path)]  # opens compact-* files only
    report.replaced, report.kept = len(files), len(every) - len(files)
    report.bytes_replaced = sum(sizes[path] for path in files)
    if len(files) < 2:
        report.files_after, report.bytes_after = report.files_before, report.bytes_before
        report.seconds = time.perf_counter() - started
        return report
    ident = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    replaced = [path.rsplit("/", 1)[1] for path in files]
    writer = _Outputs(location, table, ident, _stamp(ident, replaced))
    try:
        for batch in _batches(location, table, files):
            rows = _read(location, table, batch)
            writer.write(rows, _order(table, rows))  # taken a row group at a time: no sorted copy of the batch
            report.rows += rows.num_rows
            del rows
        writer.close()
        if still_ours is not None:
            still_ours()
    except BaseException:
        writer.discard()
        raise
    _stop_here("written")
    manifest = {
        "outputs": list(writer.names),
        "replaced": replaced,
        "rows": report.rows,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    _put_whole(location, location.path(table, f"{MANIFEST_PREFIX}{ident}.json"), json.dumps(manifest).encode())
    _stop_here("committed")
    report.written = len(writer.names)
    _finish(location, table, still_ours)
    after = table_files(location, table)
    report.outputs = after
    report.files_after = len(after)
    report.bytes_after = sum(_size(location, path) for path in after)
    report.bytes_written = sum(_size(location, location.path(table, name)) for name in writer.names)
    report.seconds = time.perf_counter() - started
    return report


def _finish(location: Location, table: str, still_ours: Callable[[], None] | None = None) -> None:
    """Finish what a committed compaction left (renames, deletes) once its new files are
    sound; roll back one whose new files are missing or damaged while the files it
    replaced are all there; remove the hidden files of one killed before its commit."""
    infos = _listing(location, table)
    present = {info.path for info in infos}
    named: set[str] = set()
    for path, manifest in _manifests(location, infos):
        state = _state(location, table, manifest, present)
        ident = path.rsplit("/", 1)[1][len(MANIFEST_PREFIX) : -len(".json")]
        if state == "complete" and not _sound(location, table, manifest, ident):
            replaced = all(location.path(table, name) in present for name in manifest["replaced"])
            state = "undone" if replaced else "lost"
        if state == "lost":
            raise ArchiveError(f"{path}: files it names are missing or damaged, new and replaced alike: nothing done")
        if state == "undone":
            for name in manifest["outputs"]:
                _delete(location, location.path(table, name))
                _delete(location, location.path(table, _hidden(name)))
            _delete(location, path)
            continue
        if still_ours is not None:
            still_ours()
        for name in manifest["outputs"]:
            named.add(name)
            final, hidden = location.path(table, name), location.path(table, _hidden(name))
            if hidden in present and final not in present:
                _rename(location, hidden, final)
        _stop_here("renamed")
        for name in manifest["replaced"]:
            _delete(location, location.path(table, name))
        _stop_here("deleted")
        _delete(location, path)
    for info in infos:  # outputs of a compaction killed before its commit
        base = info.base_name
        if base.startswith("_" + OUTPUT_PREFIX) and base[1:].removesuffix(HIDDEN_SUFFIX) not in named:
            _delete(location, info.path)


def _sound(location: Location, table: str, manifest: dict[str, Any], ident: str) -> bool:
    """Whether the new files read whole (page checksums included) and hold the rows the
    manifest counted: what must hold before the files they replace are deleted."""
    from .errors import DamagedFile

    stamp = _stamp(ident, manifest["replaced"])
    rows = 0
    for name in manifest["outputs"]:
        final, hidden = location.path(table, name), location.path(table, _hidden(name))
        path = final if _exists(location, final) else hidden
        try:
            source = path if location.local else location.fs.open_input_file(path)
            if (pq.read_schema(source).metadata or {}).get(STAMP_KEY) != stamp:
                return False  # not written by this compaction for these files (a copy, a hand-made manifest)
            for part in _row_groups(location, path, table):
                rows += part
        except (DamagedFile, FileNotFoundError):
            return False
        except Exception:  # an unreadable footer: damaged
            return False
    return rows == manifest["rows"]


#: the key of a compaction's new files' stamp: its id and what it replaced, bound together
STAMP_KEY = b"blogarchive.compaction"
#: in the footer of a new file closed because it reached OUTPUT_BYTES: a later compaction keeps it
FULL_KEY = b"blogarchive.compaction.full"


def _stamp(ident: str, replaced: list[str]) -> bytes:
    digest = hashlib.sha256("\n".join(sorted(replaced)).encode("utf-8")).hexdigest()
    return f"{ident} {digest}".encode()


def _row_groups(location: Location, path: str, table: str) -> list[int]:
    """The row count of each row group of `path`, every group read (checksums verified)."""
    from .integrity import iter_parquet

    return [part.num_rows for part in iter_parquet(location, path, table, SCHEMAS[table])]


def _stop_here(step: str) -> None:
    if os.environ.get(STOP_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


# --- reading in host order, bounded ----------------------------------------------------


def _surt_host(host: str) -> str:
    return ".".join(reversed(host.split(".")))


#: a part of the table read at once: a file's row group (a compacted file holds many)
Part = tuple[str, int]


def _batches(location: Location, table: str, files: list[str]) -> list[list[Part]]:
    """Row groups in runs read together: sorted by the first host they hold (read
    backwards), a run closed past BATCH_BYTES of data (uncompressed: blog HTML compresses
    thirtyfold) where the next part starts after every host of the run, or at twice that
    anyway (a site with a long history is then split over runs: its rows stay together,
    sorted within each run). Row groups, not files: an earlier compaction's file holds a
    gigabyte. Memory stays bounded by the run."""
    if table == "crawls":  # no host: runs of files in their order (a crawl's id starts with its time)
        spans: list[tuple[str, str, int, Part]] = []
        for path in files:
            metadata = _known(location, table, path).metadata
            spans.extend(
                ("", "", metadata.row_group(g).total_byte_size, (path, g)) for g in range(metadata.num_row_groups)
            )
    else:
        spans = sorted(span for path in files for span in _host_ranges(location, table, path))
    batches: list[list[Part]] = []
    current: list[Part] = []
    size, top = 0, ""
    for low, high, nbytes, part in spans:
        # past BATCH_PARTS row groups too: each small file read is a table of its own, and
        # a year of crawls' files (146,000 of them) read at once took 2.6 GB
        full = size >= BATCH_BYTES or len(current) >= BATCH_PARTS
        if current and (full and low > top or size >= 2 * BATCH_BYTES or len(current) >= 2 * BATCH_PARTS):
            batches.append(current)
            current, size, top = [], 0, ""
        current.append(part)
        size += nbytes
        top = max(top, high)
    if current:
        batches.append(current)
    return batches


def _known(location: Location, table: str, path: str) -> pq.ParquetFile:
    """The file opened, once its columns are all this version's: a newer blogarchive's
    file would lose what it holds in a compaction (ArchiveError, nothing done)."""
    from .integrity import open_parquet

    parquet = open_parquet(location, path, table)
    unknown = set(parquet.schema_arrow.names) - set(SCHEMAS[table].names)
    if unknown:
        raise ArchiveError(
            f"{path} has columns this blogarchive does not know ({', '.join(sorted(unknown))}): "
            "compact it with the version that wrote it"
        )
    return parquet


def _host_ranges(location: Location, table: str, path: str) -> list[tuple[str, str, int, Part]]:
    """(least host, greatest host, uncompressed size, part) of each row group of a file,
    hosts read backwards; a file that cannot be read so is damaged (one line, nothing done)."""
    from .integrity import READ_ERRORS, damaged

    parquet = _known(location, table, path)
    metadata = parquet.metadata
    spans = []
    for group in range(metadata.num_row_groups):
        try:
            hosts = pc.unique(parquet.read_row_group(group, columns=["host"])["host"]).to_pylist()
        except READ_ERRORS as exc:
            raise damaged(location, path, exc) from None
        keys = sorted(_surt_host(host or "") for host in hosts) or [""]
        spans.append((keys[0], keys[-1], metadata.row_group(group).total_byte_size, (path, group)))
    return spans


def _read(location: Location, table: str, parts: list[Part]) -> pa.Table:
    """The rows of the parts, as the table's schema (an older file's missing columns null)."""
    from .integrity import read_row_group

    schema = SCHEMAS[table]
    tables = [read_row_group(location, path, group, table, schema) for path, group in parts]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _order(table: str, rows: pa.Table) -> pa.Array:
    """The indices that sort `rows`: by host read backwards, URL and time (crawls: by start)."""
    if table == "crawls":
        keys: list[tuple[str, str]] = [
            ("started_at", "ascending"),
            ("crawl_id", "ascending"),
            ("recorded_at", "ascending"),
        ]
        return pc.sort_indices(rows, sort_keys=keys)
    # each distinct host read backwards once, in Python; the rows keyed in Arrow (a Python
    # string per row held a million fetches' keys at once: hundreds of MB)
    hosts = rows["host"].combine_chunks().dictionary_encode()
    backwards = pa.array([_surt_host(host or "") for host in hosts.dictionary.to_pylist()], pa.string())
    keyed = pa.table({"key": backwards.take(hosts.indices), "url": rows["url"], "fetched_at": rows["fetched_at"]})
    return pc.sort_indices(keyed, sort_keys=[("key", "ascending"), ("url", "ascending"), ("fetched_at", "ascending")])


# --- writing ----------------------------------------------------------------------------


class _Outputs:
    """The compaction's new files, written under hidden names."""

    def __init__(self, location: Location, table: str, ident: str, stamp: bytes) -> None:
        self.location = location
        self.table = table
        self.ident = ident
        schema = SCHEMAS[table]
        self.schema = schema.with_metadata({**(schema.metadata or {}), STAMP_KEY: stamp})
        self.names: list[str] = []
        self._writer: pq.ParquetWriter | None = None
        self._sink: Any = None
        self._written = 0

    def _open(self) -> None:
        name = f"{OUTPUT_PREFIX}{self.ident}-{len(self.names) + 1:05d}.parquet"
        self.names.append(name)
        path = self.location.path(self.table, _hidden(name))
        if self.location.local:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._sink = open(path, "wb")
        else:
            self._sink = self.location.fs.open_output_stream(path, compression=None)
        self._writer = pq.ParquetWriter(
            self._sink,
            self.schema,
            compression="zstd",
            write_statistics=True,
            write_page_index=True,
            write_page_checksum=True,
        )
        self._written = 0

    def write(self, rows: pa.Table, order: pa.Array) -> None:
        """Write `rows` in `order`, a row group at a time."""
        if rows.num_rows == 0:
            return
        per_row = max(1, rows.nbytes // rows.num_rows)
        group = max(1, ROW_GROUP_BYTES // per_row)
        for start in range(0, rows.num_rows, group):
            if self._writer is None:
                self._open()
            assert self._writer is not None
            part = rows.take(order.slice(start, group)).replace_schema_metadata(self.schema.metadata)
            self._writer.write_table(part, row_group_size=group)
            self._written += part.nbytes
            if self._written >= OUTPUT_BYTES:
                self._close_one(full=True)

    def _close_one(self, full: bool = False) -> None:
        if self._writer is None:
            return
        if full and hasattr(self._writer, "add_key_value_metadata"):  # pyarrow 14 and later
            self._writer.add_key_value_metadata({FULL_KEY.decode(): "1"})
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
            _delete(self.location, self.location.path(self.table, _hidden(name)))


# --- file operations on a folder or S3 ---------------------------------------------------


def _full_output(location: Location, table: str, path: str) -> bool:
    """Whether `path` is a file a compaction wrote and filled (half of OUTPUT_BYTES or more):
    rewriting it again would only sort what is sorted."""
    from .integrity import open_parquet

    if not path.rsplit("/", 1)[-1].startswith(OUTPUT_PREFIX):  # a crawl's file: no footer read
        return False
    parquet = open_parquet(location, path, table)
    if STAMP_KEY not in (parquet.schema_arrow.metadata or {}):
        return False
    metadata = parquet.metadata
    if (metadata.metadata or {}).get(FULL_KEY) == b"1":  # closed because it was full
        return True
    # a file written before the mark: its encoded size (smaller than the data it was closed on)
    return sum(metadata.row_group(g).total_byte_size for g in range(metadata.num_row_groups)) >= OUTPUT_BYTES // 2


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


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt inside it, so a compaction stops at once
    (a kill at any moment is safe): a crawl that compacts as it ends has Scrapy's handlers,
    which only ask the ended crawl to stop, and an object-store lease that is lost stops its
    holder with SIGTERM. Outside the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
