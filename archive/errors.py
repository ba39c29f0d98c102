"""Exceptions of the archive library and the layers above it.

Every error the library raises on purpose is an ArchiveError; the command line maps
each class to an exit status in one place (`blogarchive.archive.exits.exit_for`).
"""

from __future__ import annotations


class ArchiveError(Exception):
    """An archive cannot be read or written (missing, not a directory, not writable)."""


class InvalidRequest(ArchiveError, ValueError):
    """The caller asked for something that cannot work (a bad path, URL, format, setting or
    option): nothing was done. The command line reports it as a usage mistake (exit 2)."""


class ArchivePathError(InvalidRequest):
    """The path given for an archive cannot hold one (a file, under a file, not writable)."""


class DamagedFile(ArchiveError):
    """A committed archive file that cannot be read as what it should be (truncated, garbled
    past its checksums, not Parquet, another table's); `path` names it."""

    def __init__(self, message: str, path: str, reason: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


class FilesMoved(ArchiveError):
    """A file listed a moment ago is gone (a compaction replaced it while it was read): the
    reader reads again."""


class LockHeld(ArchiveError):
    """Another process is writing to the archive."""


class LockLost(ArchiveError):
    """This process held the archive, and no longer does (an object-store lease lapsed or
    was taken over while it was paused): it must change nothing more there."""
