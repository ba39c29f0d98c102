"""Crawl runs as rows of `crawls`: one row per status change, the latest one wins."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import pyarrow.compute as pc

from .location import Root
from .outcomes import REACHED, UNANSWERED, Family, family_of
from .reader import read_crawls
from .writer import ArchiveWriter

__all__ = ["crawl_row", "final_status", "mark_dead_crawls"]


def final_status(
    page_outcomes: Mapping[str, int],
    *,
    skipped: int = 0,
    failure: str | None = None,
    finish_reason: str = "finished",
    outcomes: Mapping[str, int] | None = None,
) -> tuple[str, str]:
    """(status, reason) of a crawl that ended: its `fetches` rows of pages per outcome,
    the known pages it did not request because a date or their age vouched for them,
    an archive failure, Scrapy's finish reason, and the rows of every kind per outcome
    (robots.txt, sitemaps, feeds too) when known.

    A crawl fails only when nothing could be archived: the archive could not be
    written, the site answered none of its requests, or pages were attempted, none
    was reached and none was vouched for. A re-crawl that finds every page unchanged
    (by date, by age or by 304) finished.
    """
    if failure:
        return "failed", failure
    if finish_reason == "shutdown":
        return "interrupted", "stopped by a signal (Ctrl-C or SIGTERM); what was fetched is stored"
    attempted = sum(n for outcome, n in page_outcomes.items() if outcome != "redirected")  # the target has its own
    if outcomes and not (seen := {k for k, n in outcomes.items() if n}) - UNANSWERED:
        listed = ", ".join(sorted(seen))
        if all(family_of(outcome) is Family.REFUSED for outcome in seen):  # a seed, or a redirect leg, refused
            return "failed", f"the crawl's rules refused every URL, or where it redirected ({listed})"
        return "failed", f"the site answered none of the crawl's requests ({listed})"
    if skipped or not attempted or any(page_outcomes.get(outcome) for outcome in REACHED):
        return "finished", finish_reason
    if page_outcomes.get("robots_denied") == attempted:
        return "failed", f"robots.txt denies every page this crawl asked for ({attempted}): nothing could be archived"
    return "failed", "no page could be fetched"


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
