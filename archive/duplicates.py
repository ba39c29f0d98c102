"""Clusters of near-duplicate pages, from the marks the crawls wrote (`near_duplicate_of`).

A page is marked with the earliest archived page its text is at least 0.9 similar to;
following the marks from page to page ends at a page that is marked with none, the
cluster's original. Only each URL's latest version counts: a page edited since it was
marked is what it is now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow.compute as pc

from .location import Root
from .reader import read_pages

__all__ = ["Cluster", "Member", "near_duplicate_clusters"]


@dataclass(frozen=True)
class Member:
    url: str
    host: str
    fetched_at: datetime
    #: the page its text is close to (the original, or another member) and how close
    near_duplicate_of: str
    #: None only in a file written by hand (the crawl writes both columns together)
    similarity: float | None


@dataclass
class Cluster:
    url: str
    host: str | None
    fetched_at: datetime | None
    members: list[Member] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return sorted({m.host for m in self.members} | ({self.host} if self.host else set()))


def near_duplicate_clusters(root: Root) -> list[Cluster]:
    """The clusters of the archive at `root`, largest first (then by original URL)."""
    pages = read_pages(
        root, ["url", "host", "fetched_at", "near_duplicate_of", "near_duplicate_similarity"], latest=True
    )
    where = {row["url"]: row for row in pages.select(["url", "host", "fetched_at"]).to_pylist()}
    marked = pages.filter(pc.is_valid(pages["near_duplicate_of"])).sort_by(
        [("fetched_at", "ascending"), ("url", "ascending")]
    )

    rows = {row["url"]: row["near_duplicate_of"] for row in marked.select(["url", "near_duplicate_of"]).to_pylist()}

    ends: dict[str, str] = {}

    def original(url: str) -> str:
        """The end of the marks from `url` (each URL's is remembered: a chain of thousands
        of reposts is walked once); in a cycle (a crawl writes none, but a file can be
        edited), its least URL."""
        path: list[str] = []
        on_path: set[str] = set()
        while url in rows and url not in on_path and url not in ends:
            path.append(url)
            on_path.add(url)
            url = rows[url]
        end = ends[url] if url in ends else min(path[path.index(url) :]) if url in on_path else url
        for step in path:
            ends[step] = end
        return end

    clusters: dict[str, Cluster] = {}
    for row in marked.to_pylist():
        top = original(row["url"])
        if top == row["url"]:
            continue
        if top not in clusters:
            known = where.get(top, {})
            clusters[top] = Cluster(top, known.get("host"), known.get("fetched_at"))
        clusters[top].members.append(
            Member(
                row["url"], row["host"], row["fetched_at"], row["near_duplicate_of"], row["near_duplicate_similarity"]
            )
        )
    return sorted(clusters.values(), key=lambda c: (-len(c.members), c.url))
