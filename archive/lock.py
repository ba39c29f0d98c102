"""One writer per archive: an advisory lock on DIR/.lock naming its holder.

`fcntl.flock` is released by the kernel when its holder dies, even by kill -9,
so a stale lock cannot outlive its process; the file's content (pid, host,
crawl id, start time) only serves the message a second run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from .errors import ArchiveError

__all__ = ["ArchiveLock", "LockHeld"]


class LockHeld(ArchiveError):
    """Another process is writing to the archive."""


class ArchiveLock:
    def __init__(self, root: str | os.PathLike[str], crawl_id: str) -> None:
        self.path = Path(root) / ".lock"
        self.crawl_id = crawl_id
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise LockHeld naming who has it. Never waits."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _parse(handle.read())
            handle.close()
            raise LockHeld(
                f"{self.path.parent} is being written by crawl {holder.get('crawl_id', '?')} "
                f"(pid {holder.get('pid', '?')} on {holder.get('hostname', '?')}, since {holder.get('since', '?')})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({
            "crawl_id": self.crawl_id, "pid": os.getpid(), "hostname": socket.gethostname(),
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _parse(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
