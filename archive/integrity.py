"""Damaged archive files: how a reader tells one, and what `blogarchive verify` checks.

Every Parquet file the writer commits carries a CRC-32 checksum per data page, and
the reader verifies them: garbled bytes in a committed file are an error naming the
file, never wrong rows. A file is also damaged when its footer cannot be read
(truncated, zero bytes, not Parquet), when it is not one of this archive's tables (a
foreign or misplaced file), or when its columns cannot be read as the table's.

`verify` reads every file in full; with `quarantine` it moves the damaged ones into
the archive's `quarantine/` folder, which readers do not look in.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from .compaction import table_files
from .errors import DamagedFile
from .location import Location, Root, locate
from .schema import SCHEMAS, TABLE_KEY

__all__ = [
    "QUARANTINE",
    "READ_ERRORS",
    "VerifyReport",
    "check_footers",
    "damaged",
    "open_parquet",
    "read_parquet",
    "verify",
]

#: the folder, at the archive's root, that `verify --quarantine` moves damaged files into
QUARANTINE = "quarantine"

#: what `pq.ParquetFile` and its reads raise on bytes that are not a readable Parquet file
READ_ERRORS = (OSError, pa.ArrowException, ValueError, EOFError, IndexError)


def damaged(location: Location, path: str, reason: Any) -> DamagedFile:
    """The error for a damaged file: its name, why, and what to run."""
    shown = path if location.local else f"s3://{path}"
    text = " ".join(str(reason).split())[:200] or type(reason).__name__
    return DamagedFile(
        f"{shown} is damaged ({text}): 'blogarchive verify {location.uri}' checks every file, "
        f"and with --quarantine sets the damaged ones aside",
        path=path,
        reason=text,
    )


def open_parquet(location: Location, path: str, table: str) -> pq.ParquetFile:
    """`path` opened for reading with its page checksums verified, once its footer says it
    is a file of `table` holding the table's required columns; DamagedFile otherwise."""
    try:
        source = path if location.local else location.fs.open_input_file(path)
        parquet = pq.ParquetFile(source, page_checksum_verification=True)
        schema = parquet.schema_arrow
    except FileNotFoundError:
        raise
    except READ_ERRORS as exc:
        raise damaged(location, path, exc) from None
    written_for = (schema.metadata or {}).get(TABLE_KEY)
    if written_for is None:
        raise damaged(location, path, "not a file of a blogarchive archive: its schema names no table")
    if written_for.decode("utf-8", "replace") != table:
        raise damaged(location, path, f"a file of the {written_for.decode('utf-8', 'replace')!r} table in {table}/")
    expected = SCHEMAS[table]
    missing = [f.name for f in expected if not f.nullable and f.name not in schema.names]
    if missing:
        raise damaged(location, path, f"not a file of the {table} table: no {', '.join(missing)} column")
    for column in expected:
        if column.name in schema.names and not schema.field(column.name).type.equals(column.type):
            raise damaged(
                location, path, f"column {column.name} is {schema.field(column.name).type}, not {column.type}"
            )
    return parquet


def read_parquet(
    location: Location, path: str, table: str, schema: pa.Schema, hosts: frozenset[str] | None = None
) -> pa.Table:
    """The file's rows as `schema` (a part of the table's): columns an older file lacks
    come back as nulls. DamagedFile for a file that cannot be read so.

    With `hosts`, only the rows of those hosts and their subdomains, from the row groups
    that hold some (`groups_of_hosts`)."""
    parquet = open_parquet(location, path, table)
    present = set(parquet.schema_arrow.names)
    names = [name for name in schema.names if name in present]
    try:
        if hosts is None:
            rows = parquet.read(columns=names)
        else:
            groups = groups_of_hosts(parquet, hosts)
            wanted = names if "host" in names else [*names, "host"]
            rows = parquet.read_row_groups(groups, columns=wanted) if groups else parquet.schema_arrow.empty_table()
            rows = rows.select(wanted).filter(hosts_mask(rows["host"], hosts)).select(names)
    except READ_ERRORS as exc:
        raise damaged(location, path, exc) from None
    return _conformed(location, path, rows, schema, present)


def hosts_mask(values: pa.ChunkedArray | pa.Array, hosts: frozenset[str]) -> pa.ChunkedArray | pa.Array:
    """Which `values` (host names) are one of `hosts` or a subdomain of one."""
    mask = pc.is_in(values, value_set=pa.array(sorted(hosts), pa.string()))
    for host in hosts:
        mask = pc.or_(mask, pc.ends_with(values, "." + host))
    return mask.fill_null(False)


def _host_matches(host: str, hosts: frozenset[str]) -> bool:
    return host in hosts or any(host.endswith("." + h) for h in hosts)


def groups_of_hosts(parquet: pq.ParquetFile, hosts: frozenset[str]) -> list[int]:
    """The row groups of `parquet` that hold rows of `hosts` (or their subdomains). A
    crawl's files hold one host each, which their statistics say; a compacted file's row
    groups hold runs of hosts, whose small `host` column is read to tell."""
    metadata = parquet.metadata
    column = parquet.schema_arrow.get_field_index("host")
    groups = []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        if stats is not None and stats.has_min_max and stats.min == stats.max:
            if _host_matches(str(stats.min), hosts):
                groups.append(group)
            continue
        values = parquet.read_row_group(group, columns=["host"])["host"]
        if pc.any(hosts_mask(values, hosts)).as_py():
            groups.append(group)
    return groups


def iter_parquet(location: Location, path: str, table: str, schema: pa.Schema) -> Iterator[pa.Table]:
    """`read_parquet`, a row group at a time: a compacted file holds a whole archive's
    rows, and its row groups (tens of MB) are what bounds a reader's memory."""
    parquet = open_parquet(location, path, table)
    present = set(parquet.schema_arrow.names)
    for group in range(parquet.metadata.num_row_groups):
        try:
            rows = parquet.read_row_group(group, columns=[name for name in schema.names if name in present])
        except READ_ERRORS as exc:
            raise damaged(location, path, exc) from None
        yield _conformed(location, path, rows, schema, present)


def read_row_group(location: Location, path: str, group: int, table: str, schema: pa.Schema) -> pa.Table:
    """One row group of a file, as `read_parquet` reads the whole."""
    parquet = open_parquet(location, path, table)
    present = set(parquet.schema_arrow.names)
    try:
        rows = parquet.read_row_group(group, columns=[name for name in schema.names if name in present])
    except READ_ERRORS as exc:
        raise damaged(location, path, exc) from None
    return _conformed(location, path, rows, schema, present)


def _conformed(location: Location, path: str, rows: pa.Table, schema: pa.Schema, present: set[str]) -> pa.Table:
    try:
        for column in schema:
            if column.name not in present:
                rows = rows.append_column(column, pa.nulls(rows.num_rows, column.type))
        rows = rows.select(schema.names).cast(schema)
    except READ_ERRORS as exc:
        raise damaged(location, path, exc) from None
    for column in schema:
        if pa.types.is_timestamp(column.type) and rows.num_rows:
            _check_instants(location, path, column.name, rows[column.name])
    return rows


#: the instants Python's datetime can hold (years 1 to 9999), in microseconds since 1970
_INSTANTS = (-62135596800 * 10**6, 253402300799 * 10**6 + 999999)


def _check_instants(location: Location, path: str, name: str, values: pa.ChunkedArray) -> None:
    """DamagedFile for a timestamp no reader can turn into a date (the writer writes none)."""
    bounds = pc.min_max(values.cast(pa.int64()))
    least, greatest = bounds["min"].as_py(), bounds["max"].as_py()
    if least is not None and (least < _INSTANTS[0] or greatest > _INSTANTS[1]):
        raise damaged(location, path, f"column {name} holds instants outside the years 1 to 9999")


def check_footers(root: Root) -> None:
    """DamagedFile for the first committed file whose footer cannot be read or names
    another table: what a crawl checks before it starts (reading footers only)."""
    location = locate(root)
    for table in SCHEMAS:
        for path in table_files(location, table):
            open_parquet(location, path, table)


@dataclass
class VerifyReport:
    #: files checked, per table
    checked: dict[str, int] = field(default_factory=dict)
    #: (path, why) of every damaged file
    damaged: list[tuple[str, str]] = field(default_factory=list)
    #: where each quarantined file went
    moved: list[str] = field(default_factory=list)


def verify(root: Root, quarantine: bool = False) -> VerifyReport:
    """Read every committed file of every table in full, checksums included."""
    location = locate(root)
    location.check_readable()
    report = VerifyReport()
    for table, schema in SCHEMAS.items():
        files = table_files(location, table)
        odd = _not_regular(location, table)
        report.checked[table] = len(files) + len(odd)
        for path in files:
            try:
                read_parquet(location, path, table, schema)
            except DamagedFile as exc:
                report.damaged.append((path, exc.reason))
                if quarantine:
                    report.moved.append(_quarantine(location, table, path))
        for path, what in odd:  # readers skip these; they are named here
            report.damaged.append((path, what))
            if quarantine:
                report.moved.append(_quarantine(location, table, path))
    return report


def _not_regular(location: Location, table: str) -> list[tuple[str, str]]:
    """(path, what it is) of the `*.parquet` names in a local table folder that are no
    regular file: a folder, a FIFO, a device, a link to nothing."""
    if not location.local:
        return []
    found = []
    try:
        entries = list(os.scandir(location.path(table)))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.endswith(".parquet") or entry.name.startswith((".", "_")):
            continue
        try:
            mode = os.stat(entry.path).st_mode
        except OSError:
            found.append((entry.path, "a symbolic link to nothing"))
            continue
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
            found.append((entry.path, what))
    return sorted(found)


def _quarantine(location: Location, table: str, path: str) -> str:
    folder = location.path(QUARANTINE, table)
    name = path.rsplit("/", 1)[-1]
    target, copies = f"{folder}/{name}", 1
    while location.fs.get_file_info(target).type != pafs.FileType.NotFound:  # quarantined before: keep both
        copies += 1
        target = f"{folder}/{name.removesuffix('.parquet')}.{copies}.parquet"
    if location.local:
        for part in (location.path(QUARANTINE), folder):
            if os.path.islink(part):
                raise DamagedFile(
                    f"{part} is a symbolic link: verify moves no file through one",
                    path=path,
                    reason="quarantine is a link",
                )
    try:
        location.fs.create_dir(folder, recursive=True)
        location.fs.move(path, target)
    except OSError as exc:
        raise DamagedFile(f"cannot move {path} to {folder}: {exc}", path=path, reason=str(exc)) from None
    if location.local:
        return target
    return f"s3://{target}"
