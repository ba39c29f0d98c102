"""Crashes, signals and overlapping runs: a real crawl in a subprocess is killed with
SIGKILL at several points (before the first write, mid-crawl, in the middle of a file
write) or stopped with SIGTERM, then the same command runs again. The archive must end
with every page exactly once, readers must only ever see whole files, and a second
crawl into a held archive must exit at once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from blogarchive import archive

from .conftest import BLOGARCHIVE, duck, run_blogarchive, write_site

POSTS = 30
FLUSH = [
    "-s",
    "ARCHIVE_FLUSH_ROWS=4",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=2",
]


@pytest.fixture
def slow_site(serve, tmp_path):
    paragraph = "Post number {n} has a body long enough for the extractor to keep, and a second sentence too."
    files = {
        f"p{n}.html": (
            f"<html><head><title>Post {n}</title></head><body><article><h1>Post {n}</h1>"
            f"<p>{paragraph.format(n=n)}</p><p>{paragraph.format(n=n * 7)}</p></article></body></html>"
        )
        for n in range(POSTS)
    }
    files["index.html"] = (
        "<html><body><ul>"
        + "".join(f"<li><a href='/p{n}'>Post {n}</a></li>" for n in range(POSTS))
        + "</ul></body></html>"
    )
    return serve(write_site(tmp_path / "site", files), delay=0.08)


def start_crawl(site, out: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [BLOGARCHIVE, "crawl", site.url("/"), "--out", str(out), *FLUSH],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def committed(out: Path, table: str) -> list[Path]:
    return sorted((out / table).glob("*.parquet")) if (out / table).is_dir() else []


def temporaries(out: Path, table: str) -> list[Path]:
    return sorted((out / table).glob(".*.tmp")) if (out / table).is_dir() else []


def assert_readable(out: Path) -> None:
    """What a reader sees mid-crash: whole files only, readable by pyarrow and DuckDB."""
    for table in ("pages", "fetches", "crawls"):
        files = committed(out, table)
        if files:
            ds.dataset([str(f) for f in files], format="parquet").to_table()
    if committed(out, "pages"):
        duck(out, "SELECT count(*) FROM pages")


def assert_every_page_exactly_once(site, out: Path) -> None:
    expected = {site.url("/")} | {site.url(f"/p{n}") for n in range(POSTS)}
    rows = duck(out, "SELECT url, count(*) FROM pages GROUP BY url")
    assert {url for url, _ in rows} == expected
    assert all(count == 1 for _, count in rows), [r for r in rows if r[1] != 1]
    assert not any(temporaries(out, t) for t in ("pages", "fetches", "crawls"))


def resume(site, out: Path) -> None:
    """Run the same command again, as a scheduler would, and check the archive is whole."""
    result = run_blogarchive("crawl", site.url("/"), "--out", str(out), *FLUSH)
    assert result.returncode == 0, result.stderr
    assert_every_page_exactly_once(site, out)


def descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        for task in Path(f"/proc/{stack.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            stack += children
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("moment", ["before-first-write", "mid-crawl"])
def test_sigkill_then_resume_stores_every_page_once(slow_site, tmp_path, moment):
    out = tmp_path / "archive"
    process = start_crawl(slow_site, out)
    try:
        if moment == "before-first-write":
            wait_for(lambda: bool(committed(out, "crawls")))  # the crawl has begun...
            kill(process)
            assert not committed(out, "pages")  # ...and written no page yet
        else:
            wait_for(lambda: len(committed(out, "pages")) >= 2)
            workers = descendants(process.pid)
            assert workers  # the extraction pool
    finally:
        kill(process)
    if moment == "mid-crawl":  # the workers notice their crawl is gone and exit
        wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10)
    assert_readable(out)
    assert archive.read_crawls(out)["status"].to_pylist() == ["running"]  # what the dead crawl left

    resume(slow_site, out)
    statuses = [c["status"] for c in archive.read_crawls(out).to_pylist()]
    assert statuses == ["interrupted", "finished"]


def test_sigkill_during_a_file_write_leaves_no_visible_partial_file(slow_site, tmp_path):
    out = tmp_path / "archive"
    process = start_crawl(slow_site, out, {"BLOGARCHIVE_TEST_PAUSE_BEFORE_RENAME": "2"})
    try:
        wait_for(lambda: bool(temporaries(out, "pages")))
    finally:
        kill(process)
    assert temporaries(out, "pages")  # the half-written file is there, hidden
    assert_readable(out)
    resume(slow_site, out)


def test_sigterm_stops_cleanly_then_resumes(slow_site, tmp_path):
    out = tmp_path / "archive"
    process = start_crawl(slow_site, out)
    wait_for(lambda: sum(1 for path, _ in slow_site.requests if path.startswith("/p")) >= 6)
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 3
    assert " interrupted: " in stdout
    crawl = archive.read_crawls(out).to_pylist()[0]
    assert crawl["status"] == "interrupted" and crawl["finished_at"] is not None
    stored = duck(out, "SELECT count(*) FROM fetches WHERE outcome = 'stored'")[0][0]
    assert stored >= 1 and stored == duck(out, "SELECT count(*) FROM pages")[0][0]  # nothing buffered was lost
    resume(slow_site, out)


def test_a_second_crawl_into_a_held_archive_exits_at_once(slow_site, tmp_path):
    out = tmp_path / "archive"
    first = start_crawl(slow_site, out)
    try:
        wait_for(lambda: bool(committed(out, "crawls")))
        started = time.monotonic()
        second = run_blogarchive("crawl", slow_site.url("/"), "--out", str(out), *FLUSH, timeout=60)
        assert time.monotonic() - started < 20
        assert second.returncode == 75
        assert f"pid {first.pid}" in second.stderr and "is being written by crawl" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        first.wait(timeout=120)
    assert first.returncode == 0
    assert_every_page_exactly_once(slow_site, out)
    assert [c["status"] for c in archive.read_crawls(out).to_pylist()] == ["finished"]


def test_an_archive_that_cannot_be_written_fails_the_crawl(slow_site, tmp_path):
    out = tmp_path / "archive"
    process = start_crawl(slow_site, out)
    try:
        wait_for(lambda: bool(committed(out, "pages")))
        # the pages folder vanishes under the crawl (a disk unmounted, a careless rm): moved
        # away in one step, since the writer may be adding a file to it at this very moment
        (out / "pages").rename(tmp_path / "pages-gone")
        (out / "pages").write_text("not a folder")
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            kill(process)
    assert process.returncode == 1
    assert " failed: " in stdout and "cannot write" in stdout
    assert "Traceback" not in stderr
    crawl = archive.read_crawls(out).to_pylist()[0]
    assert crawl["status"] == "failed" and "cannot write" in crawl["reason"]


def test_a_killed_extraction_worker_loses_no_page(slow_site, tmp_path):
    out = tmp_path / "archive"
    process = start_crawl(slow_site, out)
    try:
        wait_for(lambda: len([pid for pid in descendants(process.pid) if alive(pid)]) >= 2)
        wait_for(lambda: sum(1 for path, _ in slow_site.requests if path.startswith("/p")) >= 4)
        victim = max(descendants(process.pid))  # a worker (the spawn tracker starts first)
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            kill(process)
    assert process.returncode == 0, stderr
    assert "an extraction worker died; starting new workers" in stderr  # the kill hit a worker
    assert "Traceback" not in stderr
    rows = dict(duck(out, "SELECT url, outcome FROM fetches WHERE kind = 'page'"))
    expected = {slow_site.url("/")} | {slow_site.url(f"/p{n}") for n in range(POSTS)}
    assert set(rows) == expected  # every page accounted for
    assert all(outcome in ("stored", "extract_error") for outcome in rows.values())
    assert list(rows.values()).count("stored") >= POSTS - 2
