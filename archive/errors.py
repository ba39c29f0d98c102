"""Exceptions of the archive library; the command line turns them into one line."""

from __future__ import annotations


class ArchiveError(Exception):
    """An archive cannot be read or written (missing, not a directory, not writable)."""


class UsageError(Exception):
    """The user asked for something that cannot work (bad URL, bad path, bad option)."""


class ArchivePathError(ArchiveError, UsageError):
    """The path given for an archive cannot hold one (a file, under a file, not writable):
    a user's mistake (exit 2) that library code may still catch as an ArchiveError."""


class DamagedFile(ArchiveError):
    """A committed archive file that cannot be read as what it should be (truncated, garbled
    past its checksums, not Parquet, another table's); `path` names it."""

    def __init__(self, message: str, path: str, reason: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason
