"""What an archive already knows, read back at the start of a crawl.

Incremental crawling needs, per URL, its last successful fetch (time, ETag,
Last-Modified), the hash of its latest stored version and its links; dedup needs
the hashes. All of it comes from the archive's own `pages` and `fetches`, so
there is no second database to keep in sync, and a crawl killed at any moment
leaves a state that is exactly what was committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from .location import Root, locate
from .outcomes import CAPTURED
from .reader import latest_per_key, read_fetches, read_pages

__all__ = ["ArchiveState", "KnownPage", "load_state"]


@dataclass
class KnownPage:
    url: str
    content_hash: str
    last_captured: datetime
    etag: str | None = None
    last_modified: str | None = None
    links: list[str] = field(default_factory=list)
    #: WARC payload digest of the last capture (crawls with --warc), for revisit records
    payload_digest: str | None = None


@dataclass
class ArchiveState:
    pages: dict[str, KnownPage] = field(default_factory=dict)
    #: content hash of every latest version -> its URL
    hashes: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pages)


def load_state(root: Root) -> ArchiveState:
    """The state of the archive at `root` (empty when it has no pages yet)."""
    root = locate(root)
    pages = read_pages(root, ["url", "fetched_at", "content_hash", "etag", "last_modified", "links"], latest=True)
    fetches = read_fetches(root, ["url", "fetched_at", "outcome", "etag", "last_modified", "payload_digest"])
    fetches = latest_per_key(
        fetches.filter(pc.is_in(fetches["outcome"], value_set=pa.array(sorted(CAPTURED)))), "url", "fetched_at"
    )
    latest_fetch = {row["url"]: row for row in fetches.to_pylist()}
    state = ArchiveState()
    for row in pages.to_pylist():
        url = row["url"]
        fetch = latest_fetch.get(url)
        # a capture after the page row (a 304, or the same text again) has the newer validators
        newer = fetch if fetch is not None and fetch["fetched_at"] > row["fetched_at"] else None
        state.pages[url] = KnownPage(
            url=url,
            content_hash=row["content_hash"],
            last_captured=newer["fetched_at"] if newer is not None else row["fetched_at"],
            etag=(newer["etag"] or row["etag"]) if newer is not None else row["etag"],
            last_modified=(newer["last_modified"] or row["last_modified"])
            if newer is not None
            else row["last_modified"],
            links=row["links"] or [],
            payload_digest=fetch["payload_digest"] if fetch is not None else None,
        )
        state.hashes.setdefault(row["content_hash"], url)
    return state
