"""Crawl runs as rows of `crawls`: one row per status change, the latest one wins."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import pyarrow.compute as pc

from .location import Root
from .reader import read_crawls
from .writer import ArchiveWriter

__all__ = ["crawl_row", "mark_dead_crawls"]


def crawl_row(
    crawl_id: str,
    status: str,
    *,
    started_at: datetime,
    seeds: Sequence[str],
    settings: str,
    finished_at: datetime | None = None,
    counts: Mapping[str, int] | None = None,
    skipped_dated: int = 0,
    skipped_recent: int = 0,
    reason: str | None = None,
    pid: int | None = None,
    hostname: str | None = None,
    recorded_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "crawl_id": crawl_id,
        "status": status,
        "recorded_at": recorded_at or datetime.now(timezone.utc),
        "started_at": started_at,
        "finished_at": finished_at,
        "seeds": list(seeds),
        "settings": settings,
        "counts": dict(counts) if counts is not None else None,
        "skipped_dated": skipped_dated,
        "skipped_recent": skipped_recent,
        "reason": reason,
        "pid": os.getpid() if pid is None else pid,
        "hostname": hostname or socket.gethostname(),
    }


def mark_dead_crawls(root: Root, writer: ArchiveWriter) -> list[str]:
    """Record as `interrupted` every crawl still `running` in the archive.

    Call it holding the archive lock: then no crawl can still be running, so a
    `running` row is what a killed process left behind.
    """
    crawls = read_crawls(root)
    dead = crawls.filter(pc.equal(crawls["status"], "running")).to_pylist()
    for row in dead:
        writer.write_crawl(
            {
                **row,
                "status": "interrupted",
                "recorded_at": datetime.now(timezone.utc),
                "reason": f"the process died; found by crawl {writer.crawl_id}",
            }
        )
    return [row["crawl_id"] for row in dead]
