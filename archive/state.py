"""What an archive already knows, read back at the start of a crawl.

Incremental crawling needs, per URL of the hosts it crawls, its last successful fetch
(time, ETag, Last-Modified), the hash of its latest stored version and its links: those
come from the rows of those hosts only (a compacted file is sorted by host, so a site's
rows are a few of its row groups). Dedup and near-duplicate marks look across the whole
archive: the latest text of every URL, as a few arrays (`ArchiveTexts`), read from the
small `url`, `fetched_at`, `content_hash` and `minhash` columns.

All of it comes from the archive's own `pages` and `fetches`, so there is no second
database to keep in sync, and a crawl killed at any moment leaves a state that is exactly
what was committed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .location import Root, locate
from .outcomes import CAPTURED
from .reader import latest_indices, latest_per_key, read_fetches, read_pages

__all__ = ["ArchiveState", "ArchiveTexts", "KnownPage", "load_state", "state_hosts"]


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


def _hash_keys(hashes: pa.Array) -> np.ndarray:
    """The first 16 hex digits of each SHA-256 hex string, as unsigned 64-bit numbers."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.uint64)
    text = pc.utf8_slice_codeunits(hashes.fill_null(""), 0, 16).cast(pa.large_string())
    if not pc.all(pc.equal(pc.binary_length(text), 16)).as_py():  # not what the writer writes: slowly, then
        return np.array([int(h[:16], 16) if _is_hex(h) else 0 for h in text.to_pylist()], dtype=np.uint64)
    digits = np.frombuffer(text.buffers()[2], dtype=np.uint8, count=16 * len(hashes)).reshape(-1, 16)
    values = np.where(digits <= ord("9"), digits - ord("0"), (digits | 0x20) - ord("a") + 10).astype(np.uint64)
    weights = np.uint64(16) ** np.arange(15, -1, -1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return (values * weights).sum(axis=1, dtype=np.uint64)


def _is_hex(text: str) -> bool:
    return len(text) == 16 and all(c in "0123456789abcdefABCDEF" for c in text)


class ArchiveTexts:
    """The latest stored text of every URL of the archive, oldest first: its URL, its
    content hash and its MinHash signature (None for a short text)."""

    def __init__(self, table: pa.Table | None = None) -> None:
        if table is None or table.num_rows == 0:
            table = pa.table(
                {
                    "url": pa.array([], pa.string()),
                    "content_hash": pa.array([], pa.string()),
                    "minhash": pa.array([], pa.binary()),
                }
            )
        self.urls = table["url"].combine_chunks()
        self.hashes = table["content_hash"].combine_chunks()
        keys = _hash_keys(self.hashes)
        self._order = np.argsort(keys, kind="stable").astype(np.int64)
        self._keys = keys[self._order]
        self._minhashes: pa.Array | None = table["minhash"].combine_chunks()

    def take_signatures(self, size: int) -> tuple[pa.Array, pa.Array]:
        """The URLs and MinHash signatures of the texts that have one of `size` bytes (rows
        before schema 7 have none), oldest first. Given once: whoever builds the index holds
        them from then on (a million take 256 MB)."""
        minhashes, self._minhashes = self._minhashes, None
        if minhashes is None:
            raise RuntimeError("the signatures were taken already")
        signed = pc.and_(minhashes.is_valid(), pc.equal(pc.binary_length(minhashes), size)).fill_null(False)
        if pc.all(signed).as_py() is not False:
            return self.urls, minhashes
        return self.urls.filter(signed), minhashes.filter(signed)

    def __len__(self) -> int:
        return len(self.urls)

    def first_url(self, content_hash: str) -> str | None:
        """The URL of the oldest text with this content hash, or None."""
        if len(content_hash) < 16:
            return None
        key = np.uint64(int(content_hash[:16], 16))
        at = int(np.searchsorted(self._keys, key))
        while at < len(self._keys) and self._keys[at] == key:
            position = int(self._order[at])
            if self.hashes[position].as_py() == content_hash:
                return self.urls[position].as_py()
            at += 1
        return None


@dataclass
class ArchiveState:
    #: the URLs of the crawl's hosts (every host without a host list), by URL
    pages: dict[str, KnownPage] = field(default_factory=dict)
    #: every URL's latest text, across the archive
    texts: ArchiveTexts = field(default_factory=ArchiveTexts)

    def __len__(self) -> int:
        return len(self.pages)


def state_hosts(hosts: Collection[str]) -> set[str]:
    """The sites of a crawl of `hosts`: each without `www.` (its pages are those of the
    host and of its subdomains, `www.` among them, as the crawl's scope is)."""
    return {host.lower().removeprefix("www.") for host in hosts if host}


def _latest_texts(root: Root) -> pa.Table:
    """Every URL's latest `url`, `content_hash` and `minhash`, oldest first. Which rows those
    are is settled on `url` and `fetched_at` alone, and the rest taken once, in that order
    (sorting the whole table twice held three copies of a million signatures)."""
    table = read_pages(root, ["url", "fetched_at", "content_hash", "minhash"])
    if table.num_rows == 0:
        return table
    keys = table.select(["url", "fetched_at"])
    latest = latest_indices(keys, "url", "fetched_at")
    oldest_first = pc.sort_indices(keys.take(latest), sort_keys=[("fetched_at", "ascending"), ("url", "ascending")])
    return table.take(latest.take(oldest_first)).select(["url", "content_hash", "minhash"])


def load_state(root: Root, hosts: Collection[str] | None = None) -> ArchiveState:
    """The state of the archive at `root` (empty when it has no pages yet), with the known
    pages of `hosts` and their subdomains only when given (`state_hosts`)."""
    root = locate(root)
    only = state_hosts(hosts) if hosts is not None else None
    pages = read_pages(
        root, ["url", "fetched_at", "content_hash", "etag", "last_modified", "links"], latest=True, hosts=only
    )
    fetches = read_fetches(
        root, ["url", "fetched_at", "outcome", "etag", "last_modified", "payload_digest"], hosts=only
    )
    fetches = latest_per_key(
        fetches.filter(pc.is_in(fetches["outcome"], value_set=pa.array(sorted(CAPTURED)))), "url", "fetched_at"
    )
    latest_fetch = {row["url"]: row for row in fetches.to_pylist()}
    state = ArchiveState(texts=ArchiveTexts(_latest_texts(root)))
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
    return state
