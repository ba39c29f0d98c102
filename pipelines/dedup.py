"""DedupPipeline: one `pages` row per distinct version of a URL, one URL per text.

- The same URL with the same clean text as its latest stored version becomes an
  `unchanged` FetchRecord (the archive keeps history: a changed text is stored
  as a new version).
- Another URL with a text already stored (in this crawl or in the archive)
  becomes a `duplicate` FetchRecord naming the first URL; unless the text is short
  (under SHORT_TEXT_CHARS characters) and the page has another title: then two
  posts show one banner or placeholder ("Sign up to read"), and the second is a
  `no_content` record saying so, never a duplicate of an unrelated post. Titles are
  known for the texts of this crawl only: a banner stored by an earlier crawl makes a
  later page with it a `duplicate`, as before.

A stored page whose text is at least 0.9 similar to the text of an earlier archived page
(of any site of the archive, or stored earlier in this crawl) is marked: `near_duplicate_of`
names the earliest such page (see `neardup`). It is still stored: a repost is a real page.

It learns the archive's versions from the `archive_opened` signal: the known pages of the
crawl's hosts, and every URL's latest text across the archive (`ArchiveTexts`); it keeps
one digest per URL and per distinct text this crawl meets.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from . import signals as project_signals
from .items import ExtractedPage, FetchRecord
from .neardup import SIGNATURE_BYTES, THRESHOLD, NearDuplicateIndex, UrlColumn, signature_matrix

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from blogarchive.archive.state import ArchiveState, ArchiveTexts


#: texts shorter than this (characters: Chinese and Japanese have no spaces to count
#: words by) are compared with their titles too
SHORT_TEXT_CHARS = 300


class DedupPipeline:
    def __init__(self, stats: StatsCollector | None = None, near_threshold: float = THRESHOLD) -> None:
        self.stats = stats
        self.first_url: dict[bytes, str] = {}
        #: the title of a short text's first page, in this crawl
        self.first_title: dict[bytes, str | None] = {}
        self.latest: dict[str, bytes] = {}
        self.texts: ArchiveTexts | None = None
        self.near = NearDuplicateIndex(threshold=near_threshold)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        pipeline = cls(crawler.stats, crawler.settings.getfloat("NEAR_DUPLICATE_THRESHOLD", THRESHOLD))
        crawler.signals.connect(pipeline.archive_opened, signal=project_signals.archive_opened)
        return pipeline

    def archive_opened(self, state: ArchiveState) -> None:
        for url, page in state.pages.items():
            try:
                self.latest[url] = bytes.fromhex(page.content_hash)
            except (TypeError, ValueError):  # not a hash the crawl writes (a file edited by hand)
                continue
        self.texts = state.texts
        urls, signatures = state.texts.take_signatures(SIGNATURE_BYTES)  # rows before schema 7 have none
        self.near = NearDuplicateIndex(UrlColumn(urls), signature_matrix(signatures), self.near.threshold)

    def _first_url(self, digest: bytes) -> str | None:
        first = self.first_url.get(digest)
        if first is None and self.texts is not None and (first := self.texts.first_url(digest.hex())) is not None:
            self.first_url[digest] = first
        return first

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ExtractedPage):
            return item
        url = item.page.url
        digest = bytes.fromhex(item.document.content_hash)
        if self.latest.get(url) == digest:
            return self._record(item, "unchanged", "same text as the latest stored version")
        first = self._first_url(digest)
        if first == url and url not in self.latest:
            # a URL of a host the crawl was not started on (a redirect led there): the
            # archive's latest text of it is this one
            self.latest[url] = digest
            return self._record(item, "unchanged", "same text as the latest stored version")
        size, title = len(item.document.text), item.document.title
        if first is None:
            self.first_url[digest] = url
            self.latest[url] = digest
            if size < SHORT_TEXT_CHARS:
                self.first_title[digest] = title
            return self._marked(item)
        if (
            first != url
            and size < SHORT_TEXT_CHARS
            and digest in self.first_title
            and self.first_title[digest] != title
        ):
            return self._record(
                item,
                "no_content",
                f"its only text is the {size}-character text of {first}, "
                "another post: a banner or placeholder, not an article",
            )
        reason = "fetched again (a redirect led here)" if first == url else f"same text as {first}"
        return self._record(item, "duplicate", reason)

    def _marked(self, item: ExtractedPage) -> ExtractedPage:
        """The page, with the earliest archived page its text nearly duplicates, if any."""
        signature = item.document.minhash
        if signature is None:
            return item
        found = self.near.match(item.page.url, signature)
        self.near.add(item.page.url, signature)
        if found is None:
            return item
        if self.stats is not None:
            self.stats.inc_value("dedup/near_duplicate")
        return dataclasses.replace(item, near_duplicate_of=found.url, near_duplicate_similarity=found.similarity)

    def _record(self, item: ExtractedPage, outcome: str, reason: str) -> FetchRecord:
        if self.stats is not None:
            self.stats.inc_value(f"dedup/{outcome}")
        page = item.page
        return FetchRecord(
            url=page.url,
            kind="page",
            outcome=outcome,
            fetched_at=page.fetched_at,
            status=page.status,
            reason=reason,
            content_hash=item.document.content_hash,
            etag=page.etag,
            last_modified=page.last_modified,
            warc=page.warc,
            requested_url=page.requested_url,
            rendered=page.rendered,
        )
