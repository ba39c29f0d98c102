"""DedupPipeline: one stored row per distinct clean text within a crawl."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa

from blogarchive.pipelines.dedup import DedupPipeline
from blogarchive.pipelines.document import Document
from blogarchive.pipelines.items import ExtractedPage, FetchedPage, FetchRecord

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
TEXTS = pa.schema([("url", pa.string()), ("content_hash", pa.string()), ("minhash", pa.binary())])


def extracted(url: str, text: str) -> ExtractedPage:
    page = FetchedPage(url=url, requested_url=url, status=200, fetched_at=NOW, html="<html></html>", encoding="utf-8")
    return ExtractedPage(page=page, document=Document(url=url, text=text))


def test_first_copy_passes_and_later_copies_become_duplicate_records():
    dedup = DedupPipeline()
    first = extracted("https://b.example/a", "Same words here.")
    assert dedup.process_item(first) is first
    copy = dedup.process_item(extracted("https://b.example/a?x=1", "Same   words\nhere."))
    assert isinstance(copy, FetchRecord)
    assert copy.outcome == "duplicate" and copy.reason == "same text as https://b.example/a"
    other = extracted("https://b.example/b", "Different words.")
    assert dedup.process_item(other) is other


def test_the_same_url_fetched_twice_is_stored_once():
    dedup = DedupPipeline()
    dedup.process_item(extracted("https://b.example/a", "Text."))
    again = dedup.process_item(extracted("https://b.example/a", "Text."))
    assert isinstance(again, FetchRecord) and again.outcome == "unchanged"


def test_archive_versions_make_unchanged_new_versions_and_cross_crawl_duplicates():

    from blogarchive.archive.state import ArchiveState, ArchiveTexts, KnownPage
    from blogarchive.pipelines.document import content_hash

    texts = {"url": ["https://b.example/a"], "content_hash": [content_hash("Old text.")], "minhash": [None]}
    state = ArchiveState(texts=ArchiveTexts(pa.table(texts, schema=TEXTS)))
    state.pages["https://b.example/a"] = KnownPage("https://b.example/a", content_hash("Old text."), NOW)
    dedup = DedupPipeline()
    dedup.archive_opened(state)
    same = dedup.process_item(extracted("https://b.example/a", "Old  text."))
    assert same.outcome == "unchanged" and same.content_hash == content_hash("Old text.")
    changed = extracted("https://b.example/a", "New text.")
    assert dedup.process_item(changed) is changed  # a new version is stored
    copy = dedup.process_item(extracted("https://b.example/?p=1", "Old text."))
    assert copy.outcome == "duplicate" and copy.reason == "same text as https://b.example/a"


def test_other_items_pass_untouched():
    record = FetchRecord(url="https://b.example/x", kind="page", outcome="http_error", fetched_at=NOW, status=404)
    assert DedupPipeline().process_item(record) is record


def test_a_short_text_two_posts_share_is_no_content_not_a_duplicate():
    """Two posts behind the same sign-up banner: the second is not a `duplicate` of an
    unrelated post but `no_content`, saying why. Query variants of one page (same
    title) stay duplicates; a long shared text stays a duplicate whatever the title."""
    from dataclasses import replace

    def titled(url, text, title):
        page = extracted(url, text)
        return replace(page, document=replace(page.document, title=title))

    dedup = DedupPipeline()
    banner = "You have 2 free member-only stories left this month. Sign up to read."
    assert dedup.process_item(titled("https://b.example/one", banner, "One")).document.title == "One"
    second = dedup.process_item(titled("https://b.example/two", banner, "Two"))
    assert second.outcome == "no_content" and "https://b.example/one" in second.reason
    variant = dedup.process_item(titled("https://b.example/one?ref=x", banner, "One"))
    assert variant.outcome == "duplicate"
    long_text = " ".join(f"word{i}" for i in range(80))
    dedup.process_item(titled("https://b.example/three", long_text, "Three"))
    assert dedup.process_item(titled("https://b.example/four", long_text, "Four")).outcome == "duplicate"
