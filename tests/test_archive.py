"""The Parquet archive: schema, atomic writer, reader, summary."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest

from blogarchive import archive
from blogarchive.archive.schema import PAGES_SCHEMA, SCHEMA_VERSION, SCHEMA_VERSION_KEY
from blogarchive.archive.writer import ArchiveWriter, check_archive_dir, new_crawl_id

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def page(n: int, **extra) -> dict:
    record = {
        "url": f"https://blog.example/p/{n}",
        "host": "blog.example",
        "crawl_id": "c1",
        "fetched_at": NOW,
        "status": 200,
        "platform": "wordpress",
        "page_type": "post",
        "title": f"Post {n}",
        "author": "Ann",
        "published": datetime(2023, 1, n, tzinfo=timezone.utc),
        "categories": [],
        "tags": ["a", "b"],
        "text": "word " * n,
        "comments": [],
        "word_count": n,
        "content_hash": f"{n:064x}",
        "html": "<html></html>",
    }
    record.update(extra)
    return record


def fetch(n: int, outcome: str = "stored") -> dict:
    return {
        "url": f"https://blog.example/p/{n}",
        "host": "blog.example",
        "crawl_id": "c1",
        "fetched_at": NOW,
        "kind": "page",
        "status": 200,
        "outcome": outcome,
    }


def test_rows_round_trip_with_schema_version_and_zstd(tmp_path):
    with ArchiveWriter(tmp_path, "c1") as writer:
        for n in range(1, 4):
            writer.write_page(page(n))
            writer.write_fetch(fetch(n))
    table = archive.read_pages(tmp_path)
    assert table.num_rows == 3
    assert sorted(table["title"].to_pylist()) == ["Post 1", "Post 2", "Post 3"]
    files = sorted((tmp_path / "pages").glob("*.parquet"))
    assert len(files) == 1
    meta = pq.ParquetFile(files[0]).metadata
    assert pq.read_schema(files[0]).metadata[SCHEMA_VERSION_KEY] == SCHEMA_VERSION.encode()
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_flush_writes_whole_files_in_row_groups_and_leaves_no_temporaries(tmp_path):
    writer = ArchiveWriter(tmp_path, "c2", flush_rows=10, row_group_rows=4)
    writer.open()
    for n in range(1, 26):
        writer.write_page(page(n % 28 + 1))
    # two flushes of ten rows are visible before close; five rows wait in the buffer
    assert archive.read_pages(tmp_path).num_rows == 20
    writer.close()
    files = sorted((tmp_path / "pages").iterdir())
    assert [f.name for f in files] == ["c2-00001.parquet", "c2-00002.parquet", "c2-00003.parquet"]
    assert pq.ParquetFile(files[0]).metadata.num_row_groups == 3  # 4 + 4 + 2 rows
    assert archive.read_pages(tmp_path).num_rows == 25


def test_a_row_that_breaks_the_schema_is_left_out_not_its_batch(tmp_path, caplog):
    writer = ArchiveWriter(tmp_path, "c3")
    writer.write_page(page(1, word_count="many"))
    writer.write_page(page(2))
    writer.close()
    assert archive.read_pages(tmp_path, ["url"])["url"].to_pylist() == [page(2)["url"]]
    assert "could not be written and is left out" in caplog.text


def test_unsafe_crawl_ids_are_rejected(tmp_path):
    with pytest.raises(ValueError):
        ArchiveWriter(tmp_path, "../../etc")


def test_crawl_ids_sort_by_time_and_are_unique():
    first = new_crawl_id(datetime(2024, 1, 1, tzinfo=timezone.utc))
    second = new_crawl_id(datetime(2024, 1, 2, tzinfo=timezone.utc))
    assert first < second and first.startswith("20240101T000000Z-")
    assert new_crawl_id(NOW) != new_crawl_id(NOW)


def test_archive_dir_checks(tmp_path):
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(archive.ArchiveError, match="not a directory"):
        check_archive_dir(file)
    with pytest.raises(archive.ArchiveError, match="not a directory"):
        check_archive_dir(file / "sub")
    assert check_archive_dir(tmp_path / "new" / "deeper").base == str(tmp_path / "new" / "deeper")
    assert not (tmp_path / "new").exists()


def test_summary_counts_pages_sites_dates_words_and_outcomes(tmp_path):
    with ArchiveWriter(tmp_path, "c1") as writer:
        writer.write_page(page(1))
        writer.write_page(page(3, host="other.example", page_type="listing", published=None))
        writer.write_fetch(fetch(1))
        writer.write_fetch(fetch(2, "http_error"))
        writer.write_fetch(fetch(3))
    summary = archive.summarize(tmp_path)
    assert summary.pages == 2 and summary.posts == 1
    assert summary.sites == ["blog.example", "other.example"]
    assert summary.words == 4
    assert summary.first_published == summary.last_published == datetime(2023, 1, 1, tzinfo=timezone.utc)
    assert summary.outcomes == {"stored": 2, "http_error": 1}


def test_reading_a_missing_archive_is_an_archive_error(tmp_path):
    with pytest.raises(archive.ArchiveError, match="no archive"):
        archive.read_pages(tmp_path / "nothing")


def test_every_column_is_documented():
    for field in PAGES_SCHEMA:
        assert field.metadata[b"description"].strip()


def test_readme_documents_every_column_with_its_type():
    from blogarchive.archive.schema import column_docs

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for table in ("pages", "fetches", "crawls"):
        for name, type_, _ in column_docs(table):
            assert f"| `{name}` | {type_} |" in readme, (table, name)


def test_background_writes_keep_order_and_report_failures(tmp_path):
    writer = ArchiveWriter(tmp_path, "c4", flush_rows=3, background=True)
    writer.open()
    for n in range(1, 11):
        writer.write_page(page(n))
    writer.write_crawl(
        {
            "crawl_id": "c4",
            "status": "finished",
            "recorded_at": NOW,
            "started_at": NOW,
            "seeds": [],
            "settings": "{}",
            "pid": 1,
            "hostname": "h",
        }
    )
    # the crawl row is committed after every data file flushed before it
    names = sorted(p.name for p in (tmp_path / "pages").glob("*.parquet"))
    crawl_file = next((tmp_path / "crawls").glob("*.parquet")).name
    assert len(names) == 3 and all(name < crawl_file for name in names)
    writer.close()
    assert archive.read_pages(tmp_path).num_rows == 10

    broken = ArchiveWriter(tmp_path / "b", "c5", flush_rows=1, background=True)
    broken.open()
    (tmp_path / "b" / "pages").rmdir()
    (tmp_path / "b" / "pages").write_text("not a folder")
    with pytest.raises(archive.ArchiveError, match="cannot write"):
        for n in range(1, 6):
            broken.write_page(page(n))
        broken.close()
