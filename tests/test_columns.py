"""One list of columns: the schema; the rows the pipeline writes and the columns exports and
the UI read derive from it."""

from __future__ import annotations

from datetime import datetime, timezone

from blogarchive.archive.export import EXPORT_COLUMNS
from blogarchive.archive.schema import FETCHES_SCHEMA, PAGE_TEXT_COLUMNS, PAGES_SCHEMA, WARC_COLUMNS
from blogarchive.pipelines.document import extract_document
from blogarchive.pipelines.items import ExtractedPage, FetchedPage, FetchRecord
from blogarchive.pipelines.storage import fetch_record, page_record
from blogarchive.web.app import VIEW_COLUMNS

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
HTML = (
    "<html><head><title>A post</title></head><body><article><p>"
    + "Words of a post. " * 30
    + "</p></article></body></html>"
)


def test_the_rows_the_pipeline_writes_have_exactly_the_schemas_columns():
    page = FetchedPage(
        url="https://blog.example/p",
        requested_url="https://blog.example/p",
        status=200,
        fetched_at=NOW,
        html=HTML,
        encoding="utf-8",
    )
    extracted = ExtractedPage(page=page, document=extract_document(HTML, page.url))
    assert list(page_record(extracted, "c1")) == PAGES_SCHEMA.names
    assert set(fetch_record(extracted, "c1")) == set(FETCHES_SCHEMA.names)
    record = FetchRecord(url=page.url, kind="page", outcome="timeout", fetched_at=NOW)
    assert set(fetch_record(record, "c1")) == set(FETCHES_SCHEMA.names)


def test_exports_and_the_ui_read_columns_of_the_schema():
    assert EXPORT_COLUMNS == PAGE_TEXT_COLUMNS
    assert "html" not in EXPORT_COLUMNS and not set(WARC_COLUMNS) & set(EXPORT_COLUMNS)
    assert set(VIEW_COLUMNS) <= set(PAGES_SCHEMA.names) and "text" in VIEW_COLUMNS
    assert set(WARC_COLUMNS) <= set(PAGES_SCHEMA.names) & set(FETCHES_SCHEMA.names)
