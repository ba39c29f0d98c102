"""Exceptions of the archive library; the command line turns them into one line."""

from __future__ import annotations


class ArchiveError(Exception):
    """An archive cannot be read or written (missing, not a directory, not writable)."""


class UsageError(Exception):
    """The user asked for something that cannot work (bad URL, bad path, bad option)."""


class ArchivePathError(ArchiveError, UsageError):
    """The path given for an archive cannot hold one (a file, under a file, not writable):
    a user's mistake (exit 2) that library code may still catch as an ArchiveError."""
