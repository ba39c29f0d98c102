"""Exports for people who do not read Parquet: JSON Lines, CSV, and Markdown files.

Rows are read one archive file at a time, so an export of a large archive holds
one file's rows in memory, not the archive. By default only the latest version of
each URL is exported (which rows those are is settled first, from the small `url`
and `fetched_at` columns); `history=True` exports every version.

The rendering functions (`markdown_document`, `csv_value`, `markdown_name`) are
pure, so they are tested without an archive.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import math
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

import pyarrow as pa

from .errors import ArchiveError, InvalidRequest
from .location import Root, locate
from .reader import page_rows
from .schema import PAGE_TEXT_COLUMNS, PAGES_SCHEMA

__all__ = ["EXPORT_COLUMNS", "ExportResult", "csv_value", "export", "markdown_document", "markdown_name"]

#: what an export carries: every `pages` column but the raw `html` (export it as WARC)
EXPORT_COLUMNS = PAGE_TEXT_COLUMNS
_FLOAT_COLUMNS = [name for name in EXPORT_COLUMNS if pa.types.is_floating(PAGES_SCHEMA.field(name).type)]
#: front matter of a Markdown file, in this order
FRONT_MATTER = [
    "title",
    "url",
    "author",
    "published",
    "modified",
    "sitename",
    "platform",
    "language",
    "categories",
    "tags",
    "word_count",
    "fetched_at",
    "crawl_id",
    "content_hash",
]


@dataclass
class ExportResult:
    rows: int = 0
    files: list[str] = field(default_factory=list)


def export(root: Root, fmt: str, out: str | None, *, history: bool = False, posts_only: bool = False) -> ExportResult:
    """Write the archive's pages as `fmt` ("jsonl", "csv", "markdown", "warc") to `out`.

    `out` is a file for jsonl and csv (None or "-": stdout) and a folder for markdown and warc.
    """
    root = locate(root)
    if fmt == "warc":
        from .warc import export_warc

        count, files = export_warc(root, out, history=history, posts_only=posts_only)
        return ExportResult(count, files)
    rows = page_rows(root, EXPORT_COLUMNS, history=history, posts_only=posts_only)
    if fmt == "markdown":
        if not out or out == "-":
            raise InvalidRequest("--format markdown writes one file per page: give --out FOLDER")
        return _export_markdown(rows, Path(out))
    if fmt not in ("jsonl", "csv"):
        raise InvalidRequest(f"unknown export format {fmt!r}")
    if not out or out == "-":
        return _export_stream(rows, fmt, sys.stdout)
    path = Path(out)
    if path.is_dir():
        raise InvalidRequest(f"{out} is a folder: give a file name for --format {fmt}")
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            # a device (/dev/null), a FIFO, /dev/stdout or a link: written into, as a shell
            # redirection would, never replaced
            with open(path, "w", encoding="utf-8", newline="") as stream:
                result = _export_stream(rows, fmt, stream)
        else:
            result = _export_replacing(rows, fmt, path)
    except OSError as exc:
        raise ArchiveError(f"cannot write {out}: {exc.strerror or exc}") from None
    result.files.append(str(path))
    return result


def _export_replacing(rows: Iterator[dict[str, Any]], fmt: str, path: Path) -> ExportResult:
    """Written beside the regular file (or new path) `path` and renamed over it at the end: an
    export that fails (a damaged archive, a full disk) leaves a previous export whole."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as stream:
            result = _export_stream(rows, fmt, stream)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return result


def _export_stream(rows: Iterator[dict[str, Any]], fmt: str, stream: IO[str]) -> ExportResult:
    result = ExportResult()
    writer = csv.DictWriter(stream, fieldnames=EXPORT_COLUMNS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for row in rows:
        if writer is not None:
            writer.writerow({name: csv_value(row[name]) for name in EXPORT_COLUMNS})
        else:
            for name in _FLOAT_COLUMNS:  # NaN and Infinity are not JSON (a file edited by hand)
                if isinstance(value := row.get(name), float) and not math.isfinite(value):
                    row[name] = None
            stream.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
        result.rows += 1
    return result


def _export_markdown(rows: Iterator[dict[str, Any]], folder: Path) -> ExportResult:
    result = ExportResult()
    taken: set[str] = set()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _FolderWriter(folder) as writer:
            for row in rows:
                name = markdown_name(row, taken)
                taken.add(name.lower())
                writer.write(name, markdown_document(row))
                result.rows += 1
                result.files.append(str(folder / name))
    except OSError as exc:
        raise ArchiveError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return result


class SymlinkInExport(InvalidRequest):
    """A folder inside an export folder is a symbolic link: the export never writes through one."""


class _FolderWriter:
    """Writes files at `sub/name` inside a folder without following a symbolic link (or
    a hard link) planted inside it, which could send the write anywhere the user may
    write: each folder is opened with O_NOFOLLOW, and each file is written under a
    temporary name and renamed over the old one (a rename replaces a link; it never
    writes into what the link points at)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # the user named it: it may be a link
        self.subfolders: dict[str, int] = {}

    def write(self, relative: str, text: str) -> None:
        sub, _, name = relative.rpartition("/")
        where = self._subfolder(sub) if sub else self.root
        partial = f".{name}.partial-{os.getpid()}"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666, dir_fd=where)
        try:
            with open(fd, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(partial, name, src_dir_fd=where, dst_dir_fd=where)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial, dir_fd=where)
            raise

    def _subfolder(self, name: str) -> int:
        if name not in self.subfolders:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, dir_fd=self.root)
            try:
                self.subfolders[name] = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=self.root)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(self.folder / name):
                    raise SymlinkInExport(
                        f"{self.folder / name} is a symbolic link: an export never writes through one "
                        "(remove it, or export to another folder)"
                    ) from None
                raise
        return self.subfolders[name]

    def __enter__(self) -> _FolderWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in [*self.subfolders.values(), self.root]:
            os.close(fd)


def csv_value(value: Any) -> Any:
    """A cell: lists joined with ' | ', times in ISO 8601, null as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def markdown_document(row: dict[str, Any]) -> str:
    """One page as Markdown: a YAML front-matter header, the title, the clean text.

    Values are written as JSON scalars and flow lists, which YAML reads as they are,
    so a title with a colon or a quote cannot break the header.
    """
    lines = ["---"]
    for name in FRONT_MATTER:
        value = row.get(name)
        if value is None or value == []:
            continue
        # ASCII escapes: YAML refuses some characters raw (C1 controls) but reads every \u escape
        lines.append(f"{name}: {json.dumps(value, ensure_ascii=True, default=_json_default)}")
    lines.append("---")
    body = [f"# {_inert(_one_line(row['title']))}", ""] if row.get("title") else []
    body += [paragraph for line in (row.get("text") or "").splitlines() for paragraph in (_inert(line), "")]
    return "\n".join(lines + [""] + body).rstrip("\n") + "\n"


#: "&" where it would begin a character reference
_REFERENCE_START = re.compile(r"&(?=#?\w+;)")


def _inert(text: str) -> str:
    """`text` with no HTML in it for a Markdown renderer to run: every "<" becomes
    `&lt;` (a post about `<script>` shows the tag, never runs it), and an "&" that would
    begin a reference `&amp;`, so the rendered text reads as the page did."""
    return _REFERENCE_START.sub("&amp;", text).replace("<", "&lt;")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: the longest host folder name: with a slug of at most 120 characters, a query of 41 and
#: a version suffix, no name passes the 255 bytes file systems allow
MAX_HOST_CHARS = 100


def markdown_name(row: dict[str, Any], taken: set[str]) -> str:
    """`host/slug.md` from the URL's path (`index` for the root), made unique within `taken`:
    a second version of a page, or a second URL with the same slug, gets a suffix."""
    parts = urlsplit(row["url"])
    host = _UNSAFE.sub("_", (parts.hostname or "") + (f"_{parts.port}" if parts.port else "")).strip(".") or "site"
    if len(host) > MAX_HOST_CHARS:  # a legal host name has 253 characters; a file name at most 255 bytes
        host = f"{host[: MAX_HOST_CHARS - 13]}--{hashlib.sha256(host.encode()).hexdigest()[:11]}"
    segments = [s for s in unquote(parts.path).split("/") if s]
    if segments and segments[-1].lower() in ("index.html", "index.htm", "index.php"):
        segments.pop()
    slug = _UNSAFE.sub("-", "-".join(segments)).strip("-.")[:120] or "index"
    if slug.lower().endswith((".html", ".htm")):
        slug = slug.rsplit(".", 1)[0]
    if parts.query:
        slug += "-" + _UNSAFE.sub("-", parts.query).strip("-.")[:40]
    name = f"{host}/{slug}.md"
    # `taken` holds lower-cased names: Post.md and post.md are one file on some file systems
    if name.lower() in taken and row.get("fetched_at"):
        name = f"{host}/{slug}--{row['fetched_at']:%Y%m%dT%H%M%SZ}.md"
    counter = 2
    base = name[:-3]
    while name.lower() in taken:
        name = f"{base}-{counter}.md"
        counter += 1
    return name


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")
