"""`scrapy crawl blog` (what Scrapyd runs) as a first-class route: the exit statuses of
`blogarchive crawl`, and a crawl that finds its archive held writes nothing there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from blogarchive import archive
from blogarchive.archive.lock import ArchiveLock
from blogarchive.archive.writer import prepare_archive_dir

from .conftest import ROOT, free_port, write_site

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
POST = (
    "<html><head><title>A post</title></head><body><article><h1>A post</h1>"
    + "<p>Words of a post.</p>" * 20
    + "</article></body></html>"
)


def scrapy_crawl(url: str, *settings: str) -> subprocess.CompletedProcess[str]:
    command = [SCRAPY, "crawl", "blog", "-a", f"url={url}", "-s", "DOWNLOAD_DELAY=0", "-s", "EXTRACTION_PROCESSES=0"]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_a_crawl_of_a_site_that_is_down_exits_1_with_and_without_an_archive(tmp_path):
    down = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    out = tmp_path / "archive"
    result = scrapy_crawl(down, f"ARCHIVE_DIR={out}")
    assert result.returncode == 1, result.stderr[-2000:]
    assert archive.read_crawls(out)["status"].to_pylist() == ["failed"]
    assert scrapy_crawl(down).returncode == 1  # no archive: the same rule, over the pages seen


def test_a_finished_crawl_exits_0(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {"index.html": POST}))
    result = scrapy_crawl(site.url("/"), f"ARCHIVE_DIR={tmp_path / 'archive'}")
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_crawl_into_an_archive_another_crawl_holds_writes_nothing_and_exits_75(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {"index.html": POST}))
    out = tmp_path / "archive"
    first = scrapy_crawl(site.url("/"), f"ARCHIVE_DIR={out}")
    assert first.returncode == 0, first.stderr[-2000:]
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.name != ".lock")
    lock = ArchiveLock(prepare_archive_dir(out), "the-other-crawl")
    lock.acquire()
    try:
        second = scrapy_crawl(site.url("/"), f"ARCHIVE_DIR={out}")
        assert second.returncode == 75, second.stderr[-2000:]
        assert "Traceback" not in second.stderr, second.stderr[-3000:]
        assert "the-other-crawl" in second.stderr  # who holds it, in one line
        assert sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.name != ".lock") == files
        assert archive.read_crawls(out)["status"].to_pylist() == ["finished"]
    finally:
        lock.release()


def test_every_option_is_a_setting_in_the_forms_the_options_take(serve, tmp_path):
    """`--input-file` is CRAWL_INPUT_FILE; CRAWL_REVISIT_AFTER takes 6h as `--revisit-after` does."""
    site = serve(
        write_site(
            tmp_path / "site",
            {"a.html": POST, "b.html": POST.replace("A post", "B post").replace("Words of", "Other words of")},
        )
    )
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# two posts\n{site.url('/a')}\n\n{site.url('/b')}\n")
    out = tmp_path / "archive"
    for _ in range(2):
        result = scrapy_crawl(
            site.url("/a"),
            f"ARCHIVE_DIR={out}",
            f"CRAWL_INPUT_FILE={urls}",
            "CRAWL_REVISIT_AFTER=6h",
            "CRAWL_FOLLOW=false",
        )
        assert result.returncode == 0, result.stderr[-2000:]
    first, second = archive.read_crawls(out).sort_by("started_at").to_pylist()
    assert dict(first["counts"]) == {"stored": 2}  # a.html given twice: once
    assert second["skipped_recent"] == 2 and not second["counts"]


def test_the_duration_settings_are_checked_as_the_options_are():
    import pytest

    from blogarchive.archive.errors import InvalidRequest
    from blogarchive.crawler.overrides import check_overrides

    assert check_overrides({"CRAWL_REVISIT_AFTER": "6h"}) == {"CRAWL_REVISIT_AFTER": "6h"}
    assert check_overrides({"CRAWL_REVISIT_AFTER": "90"}) == {"CRAWL_REVISIT_AFTER": "90"}
    for wrong in ("6x", "-1h", "nan", "1e9w"):
        with pytest.raises(InvalidRequest, match="CRAWL_REVISIT_AFTER"):
            check_overrides({"CRAWL_REVISIT_AFTER": wrong})
