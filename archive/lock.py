"""One writer per archive: a lock at DIR/.lock naming its holder.

In a local folder the lock is `fcntl.flock`, released by the kernel when its holder
dies, even by kill -9, so a stale lock cannot outlive its process; the file's content
(pid, host, crawl id, start time) only serves the message a second run prints.

An object store has no such lock, so there `.lock` is a lease: an object naming its
holder and when it last renewed the lease (every third of LEASE_SECONDS, from a
thread). A lease not renewed for LEASE_SECONDS is stale, which is how a killed
crawl's lock lapses. Taking it is write-then-verify: write our lease, wait, read it
back; of two crawls that start within the same instant the later writer keeps it.
Each renewal reads the lease first: a holder that finds another crawl's token there
(it was paused past the lease, and the lease was taken over), or that could not renew
for a whole lease, stops its own process as SIGTERM would (the crawl ends
`interrupted`, and says why in its log). That is still not a consensus lock. Workers
of `blogarchive worker` do not rely on it: they hold a Redis lock per site (see
`blogarchive.cluster`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from .errors import ArchiveError, LockHeld, LockLost
from .location import Location, Root, locate

__all__ = ["ArchiveLock", "LockHeld", "LockLost", "LEASE_SECONDS", "check_holder"]

logger = logging.getLogger(__name__)

#: seconds an object-store lease lives without renewal
LEASE_SECONDS = float(os.environ.get("BLOGARCHIVE_LEASE_SECONDS", "120") or 120)
#: seconds between writing a lease and reading it back
_VERIFY_DELAY = 1.0


def check_holder(root: Root, crawl_id: str) -> None:
    """LockLost unless the archive's lock is held by `crawl_id` (in this process: a crawl
    whose command line took the lock checks it so). A folder's lock cannot be lost while
    its process lives; an object store's lease is read back."""
    location = locate(root)
    if location.local:
        return
    data = location.read_bytes(location.path(".lock"))
    holder = _parse(data.decode("utf-8", "replace")) if data else {}
    if holder.get("crawl_id") != crawl_id:
        raise LockLost(f"{location}: its lease is held by {holder.get('crawl_id', 'no one')} now, not {crawl_id}")
    if not _fresh(holder):
        raise LockLost(f"{location}: its lease was not renewed for {LEASE_SECONDS:.0f}s and may be taken")


class ArchiveLock:
    def __init__(self, root: Root, crawl_id: str) -> None:
        self.location = locate(root)
        self.crawl_id = crawl_id
        self._handle: IO[str] | None = None
        self._lease: _Lease | None = None

    def acquire(self) -> None:
        """Take the lock or raise LockHeld naming who has it. Never waits for a holder."""
        record = {
            "crawl_id": self.crawl_id,
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        if not self.location.local:
            lease = _Lease(self.location, record)
            lease.acquire()
            self._lease = lease
            return
        path = Path(self.location.path(".lock"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+", encoding="utf-8")
        except OSError as exc:
            raise ArchiveError(f"cannot open the lock file {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _parse(handle.read())
            handle.close()
            raise LockHeld(_held_message(self.location, holder)) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(record))
            handle.flush()
        except OSError as exc:  # a full disk: no crawl could write either
            handle.close()
            raise ArchiveError(f"cannot write the lock file {path}: {exc.strerror or exc}") from None
        self._handle = handle

    def release(self) -> None:
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        if self._handle is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None

    def check(self) -> None:
        """LockLost unless this process still holds the archive: what a long job (a
        compaction) asks before each step another writer must not overlap. A folder's lock
        cannot be lost; an object store's lease is read back."""
        if self._lease is not None:
            self._lease.check()

    @property
    def held(self) -> bool:
        return self._handle is not None or self._lease is not None

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class _Lease:
    """The object-store lock: `.lock` holds our record, a token and `renewed` (epoch s)."""

    def __init__(self, location: Location, record: dict[str, Any]) -> None:
        self.location = location
        self.path = location.path(".lock")
        self.record = {**record, "token": uuid.uuid4().hex}
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> None:
        holder = self._read()
        if holder and holder.get("token") != self.record["token"] and _fresh(holder):
            raise LockHeld(_held_message(self.location, holder))
        self._write()
        time.sleep(_VERIFY_DELAY)  # a crawl that read the old lease with us writes within this
        holder = self._read()
        if not holder or holder.get("token") != self.record["token"]:
            raise LockHeld(_held_message(self.location, holder or {}))
        self._renewer = threading.Thread(target=self._renew, name="archive-lease", daemon=True)
        self._renewer.start()

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        holder = self._read()
        if holder and holder.get("token") == self.record["token"]:
            self.location.delete(self.path)

    def check(self) -> None:
        holder = self._read()
        if holder.get("token") != self.record["token"]:
            raise LockLost(f"{self.location}: another process ({holder.get('crawl_id', '?')}) holds its lease now")
        if not _fresh(holder):
            raise LockLost(f"{self.location}: its lease was not renewed for {LEASE_SECONDS:.0f}s and may be taken")

    def _renew(self) -> None:
        renewed = time.monotonic()
        while not self._stop.wait(LEASE_SECONDS / 3):
            try:
                holder = self._read()
                if holder.get("token") != self.record["token"]:
                    self._lost(f"another process ({holder.get('crawl_id', '?')}) holds its lease now")
                    return
                self._write()
                renewed = time.monotonic()
            except ArchiveError as exc:
                if time.monotonic() - renewed >= LEASE_SECONDS:
                    self._lost(f"its lease could not be renewed for {LEASE_SECONDS:.0f}s ({exc})")
                    return

    def _lost(self, why: str) -> None:
        """Another crawl may be writing the archive now: stop this one, as SIGTERM does."""
        logger.error("stopping: %s is no longer ours to write: %s", self.location, why)
        os.kill(os.getpid(), signal.SIGTERM)

    def _write(self) -> None:
        self.location.put_bytes(self.path, json.dumps({**self.record, "renewed": time.time()}).encode())

    def _read(self) -> dict[str, Any]:
        data = self.location.read_bytes(self.path)
        return _parse(data.decode("utf-8", "replace")) if data else {}


def _fresh(holder: dict[str, Any]) -> bool:
    renewed = holder.get("renewed")
    return isinstance(renewed, (int, float)) and time.time() - renewed < LEASE_SECONDS


def _held_message(location: Location, holder: dict[str, Any]) -> str:
    who = holder.get("crawl_id", "?")
    # a compaction takes the lock under the name "compact"; a crawl under its crawl id
    doing = "blogarchive compact" if who == "compact" else f"crawl {who}"
    message = (
        f"{location} is being written by {doing} "
        f"(pid {holder.get('pid', '?')} on {holder.get('hostname', '?')}, since {holder.get('since', '?')})"
    )
    if isinstance(holder.get("renewed"), (int, float)):
        left = max(0, LEASE_SECONDS - (time.time() - holder["renewed"]))
        message += f"; its lease lapses in {left:.0f}s unless renewed"
    return message


def _parse(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
