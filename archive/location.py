"""Where an archive lives: a local folder, or a prefix on an S3-compatible object store.

Both are reached through pyarrow's filesystem layer, so the reader and the writer
have one code path for listing and reading files. What differs is how a file becomes
visible: locally a hidden temporary is renamed into place; on S3 an object appears
only when its upload completes, so the finished file is uploaded once under its final
key and a reader never sees half of it.

An S3 location is written `s3://bucket/prefix`. The endpoint comes from the
`--s3-endpoint` option or the AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL variables (the
names the AWS tools use), the region from AWS_REGION / AWS_DEFAULT_REGION, and the
credentials from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
profiles, instance roles).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from .errors import ArchiveError, InvalidRequest
from .schema import SCHEMAS

__all__ = ["Location", "Root", "is_remote", "locate", "s3_endpoint_from_env"]

_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")


def is_remote(root: Any) -> bool:
    """True for an `s3://` archive (or a Location on one)."""
    if isinstance(root, Location):
        return not root.local
    return isinstance(root, str) and root.lower().startswith("s3://")


def s3_endpoint_from_env() -> str | None:
    for name in _ENDPOINT_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return None


@dataclass(frozen=True)
class Location:
    """An archive's root: `fs` and the `base` path within it; `uri` names it to people."""

    fs: pafs.FileSystem
    base: str
    uri: str
    local: bool
    endpoint: str | None = None

    def path(self, *parts: str) -> str:
        return "/".join([self.base.rstrip("/"), *parts]) if parts else self.base

    def files(self, folder: str, suffix: str) -> list[str]:
        """Paths of the visible files in `folder` ending in `suffix`, sorted; names starting
        with `.` or `_` (a writer's temporaries, Spark's markers) are not among them."""
        selector = pafs.FileSelector(self.path(folder), allow_not_found=True)
        try:
            infos = self.fs.get_file_info(selector)
        except OSError as exc:
            raise ArchiveError(f"cannot list {self.uri}/{folder}: {_short(exc)}") from None
        return sorted(
            info.path
            for info in infos
            if info.type == pafs.FileType.File
            and info.base_name.endswith(suffix)
            and not info.base_name.startswith((".", "_"))
        )

    def check_readable(self) -> None:
        """Raise ArchiveError unless an archive can be read here: a folder holding a table
        folder, or a bucket that exists (a new S3 archive has no objects yet)."""
        if not (self.holds_archive() if self.local else self.exists()):
            raise self.no_archive()

    def no_archive(self) -> ArchiveError:
        """The error for a reader that finds no archive here, with a hint for a path one
        level too deep (`archive/pages` for `archive`)."""
        parent, _, name = str(self).rstrip("/").rpartition("/")
        hint = ""
        if name in SCHEMAS and parent and locate(parent, self.endpoint).holds_archive():
            hint = f" ({name} is one of an archive's table folders: give the archive, {parent})"
        return ArchiveError(f"no archive at {self}{hint}")

    def exists(self) -> bool:
        """Whether an archive could be read here (a folder, or a bucket that exists)."""
        if self.local:
            return Path(self.base).is_dir()
        bucket = self.base.split("/", 1)[0]
        try:
            return self.fs.get_file_info(bucket).type == pafs.FileType.Directory
        except OSError as exc:
            raise ArchiveError(f"cannot reach {self.uri}: {_short(exc)}") from None

    def holds_archive(self) -> bool:
        """Whether something is archived here: a folder with a table folder in it, or objects
        under the S3 prefix (an empty prefix is a typo to a reader, though a crawl may start
        an archive there)."""
        if self.local:
            return any(Path(self.path(table)).is_dir() for table in SCHEMAS)
        if "/" not in self.base:
            return self.exists()
        try:
            return self.fs.get_file_info(self.base).type != pafs.FileType.NotFound
        except OSError as exc:
            raise ArchiveError(f"cannot reach {self.uri}: {_short(exc)}") from None

    def read_bytes(self, path: str) -> bytes | None:
        """A small file's content, or None when it is not there."""
        try:
            with self.fs.open_input_stream(path, compression=None) as stream:
                return stream.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if self.fs.get_file_info(path).type == pafs.FileType.NotFound:
                return None
            raise ArchiveError(f"cannot read {path}: {_short(exc)}") from None

    def put_bytes(self, path: str, data: bytes) -> None:
        """Upload `data` as one object, visible only once whole (S3 only: locally the
        writer renames a temporary into place)."""
        try:
            with self.fs.open_output_stream(path, compression=None) as stream:  # as given: no gzip by suffix
                stream.write(data)
        except OSError as exc:
            raise ArchiveError(f"cannot write s3://{path}: {_short(exc)}") from None

    def delete(self, path: str) -> None:
        try:
            self.fs.delete_file(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise ArchiveError(f"cannot delete s3://{path}: {_short(exc)}") from None

    def __str__(self) -> str:
        return self.uri


#: an archive as callers name it: a local folder, `s3://bucket/prefix`, or a Location
Root = Union[str, "os.PathLike[str]", Location]


def locate(root: Root, endpoint: str | None = None) -> Location:
    """The Location of `root`: a local path, or `s3://bucket/prefix`."""
    if isinstance(root, Location):
        return root
    if not is_remote(str(root)):
        if isinstance(root, str) and "://" in root:
            raise InvalidRequest(f"an archive is a folder or s3://bucket/prefix, not {root!r}")
        path = Path(root).expanduser().absolute()
        return Location(pafs.LocalFileSystem(), str(path), str(path), local=True)
    return _s3_location(str(root), endpoint or s3_endpoint_from_env())


def _split(url: str, what: str) -> Any:
    try:
        return urlsplit(url)
    except ValueError:  # a bracketed host that is not an IPv6 address
        raise InvalidRequest(f"{what}, not {url!r}") from None


def _s3_location(uri: str, endpoint: str | None) -> Location:
    parts = _split(uri, "an S3 archive is written s3://bucket/prefix")
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not bucket or parts.query or parts.fragment:
        raise InvalidRequest(f"an S3 archive is written s3://bucket/prefix, not {uri!r}")
    # fail in seconds, not minutes, when the store does not answer
    options: dict[str, Any] = {"connect_timeout": 10, "request_timeout": 60}
    if endpoint:
        what = "--s3-endpoint must be an http(s) URL like http://127.0.0.1:9000"
        parts = _split(endpoint, what)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidRequest(f"{what}, not {endpoint!r}")
        options["endpoint_override"] = endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["region"] = region
    elif endpoint:
        options["region"] = "us-east-1"  # S3-compatible servers accept any region
    else:
        try:
            options["region"] = pafs.resolve_s3_region(bucket)
        except OSError as exc:
            raise ArchiveError(f"cannot find the region of bucket {bucket!r}: {_short(exc)}") from None
    try:
        fs = pafs.S3FileSystem(**options)
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"cannot open {uri}: {_short(exc)}") from None
    base = f"{bucket}/{prefix}" if prefix else bucket
    return Location(fs, base, f"s3://{base}", local=False, endpoint=endpoint)


def _short(exc: BaseException) -> str:
    """pyarrow's S3 errors, on one line."""
    return " ".join(str(exc).split())[:300]
