"""The items that flow from the spider through the pipelines.

Each stage turns one type into the next: the spider yields `FetchedPage` (a
response worth extracting) or `FetchRecord` (an attempt with nothing to extract);
extraction turns a `FetchedPage` into an `ExtractedPage` or a `FetchRecord`;
dedup may turn an `ExtractedPage` into a `FetchRecord`; storage writes both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from blogarchive.archive.warc import WarcPointer

    from .document import Document


@dataclass(frozen=True)
class FetchedPage:
    """An HTML response, decoded, waiting for extraction."""

    url: str
    #: the URL the crawl asked for (the first of a redirect chain)
    requested_url: str
    status: int
    fetched_at: datetime
    html: str = field(repr=False)  # logs show the item, not the page
    encoding: str
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: why the body was decoded with another charset than the declared one
    encoding_note: str | None = None
    #: absolute URLs of the page's links, in order, without repeats (read by extraction)
    links: tuple[str, ...] = ()
    #: link hops from a start URL
    depth: int = 0
    #: where the raw exchange lies in the archive's WARC files (crawls with --warc)
    warc: WarcPointer | None = None
    #: `html` is the DOM a browser rendered from the response, not the response itself
    rendered: bool = False
    #: what rendering did or why it failed (requests it blocked), for the fetches row
    render_note: str | None = None


@dataclass(frozen=True)
class FetchRecord:
    """One attempted URL that yields no stored page, and why."""

    url: str
    kind: str
    outcome: str
    fetched_at: datetime
    status: int | None = None
    reason: str | None = None
    content_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    warc: WarcPointer | None = None
    #: the URL the crawl asked for, when redirects led to `url` (not stored: the
    #: `redirected` rows say it; the URL-family budget counts the answer for it)
    requested_url: str | None = None
    #: the outcome is of a page a browser rendered
    rendered: bool = False


@dataclass(frozen=True)
class ExtractedPage:
    """A fetched page with its extracted document."""

    page: FetchedPage
    document: Document
    #: the URL of the earliest archived page whose text is at least 0.9 similar (neardup)
    near_duplicate_of: str | None = None
    near_duplicate_similarity: float | None = None
