"""`blogarchive compact`: many small files become a few large ones sorted by host and URL,
every row kept (history and WARC pointers too); killed at any step, on a folder or on S3,
blogarchive's readers see every row exactly once, and the next run finishes the job."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from blogarchive.archive.compaction import STOP_AT
from blogarchive.archive.crawls import crawl_row
from blogarchive.archive.location import locate
from blogarchive.archive.reader import read_crawls, read_fetches, read_pages
from blogarchive.archive.schema import FETCHES_SCHEMA
from blogarchive.archive.writer import ArchiveWriter

from .conftest import BLOGARCHIVE, ROOT, command_env, duck, page_row, run_blogarchive

UTC = timezone.utc
HOSTS = ["www.harbour.example", "gulls.example", "a.tides.example"]


def write_archive(root: Path) -> None:
    """Three hosts crawled on four days, each crawl a set of files: new posts, new versions
    of earlier ones, fetches with WARC pointers."""
    for day in range(4):
        for index, host in enumerate(HOSTS):
            crawl = f"c{day}{index}"
            at = datetime(2026, 1, 1 + day, 8, index, tzinfo=UTC)
            with ArchiveWriter(root, crawl) as writer:
                writer.write_crawl(
                    crawl_row(crawl, "finished", started_at=at, seeds=[f"https://{host}/"], settings="{}")
                )
                for n in range(3):
                    number = n if day == 0 else (day * 3 + n if n else 0)  # post 0 gets a version each day
                    url = f"https://{host}/post-{number}"
                    writer.write_page(
                        page_row(
                            url=url,
                            host=host,
                            crawl_id=crawl,
                            fetched_at=at + timedelta(seconds=n),
                            text=f"day {day} text of {url}",
                            html=f"<html><body>{url} on day {day}</body></html>",
                            content_hash=f"{url}@{day}",
                            warc_filename=f"{crawl}-00001.warc.gz",
                            warc_record_offset=1000 * n,
                            warc_record_length=900 + n,
                        )
                    )
                    fetch = dict.fromkeys(FETCHES_SCHEMA.names)
                    fetch.update(url=url, host=host, crawl_id=crawl, fetched_at=at, kind="page", outcome="stored")
                    writer.write_fetch(fetch)


def snapshot(root) -> dict[str, pa.Table]:
    """Every row of every table, in one order."""
    return {
        "pages": read_pages(root).sort_by([("url", "ascending"), ("fetched_at", "ascending")]),
        "fetches": read_fetches(root).sort_by([("url", "ascending"), ("crawl_id", "ascending")]),
        "crawls": read_crawls(root).sort_by("crawl_id"),
    }


def same_rows(root, expected: dict[str, pa.Table]) -> None:
    got = snapshot(root)
    for table, rows in expected.items():
        assert got[table].num_rows == rows.num_rows, table
        assert got[table].equals(rows), table


def hidden(root: Path) -> list[str]:
    return sorted(
        p.name for table in ("pages", "fetches", "crawls") for p in (root / table).iterdir() if p.name[0] in "._"
    )


def test_compaction_keeps_every_row_and_sorts_by_host_then_url(tmp_path):
    root = tmp_path / "archive"
    write_archive(root)
    before = snapshot(root)
    files_before = len(list((root / "pages").glob("*.parquet")))
    assert files_before == 12
    history = run_blogarchive("history", str(root), "https://gulls.example/post-0").stdout

    result = run_blogarchive("compact", str(root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("pages: 12 files")
    assert [p.name.startswith("compact-") for p in (root / "pages").glob("*.parquet")] == [True]
    same_rows(root, before)  # every row, html and WARC pointers included
    assert hidden(root) == []
    # sorted by the host read backwards, then the URL and the time: one host's rows together
    order = duck(root, "SELECT host, url FROM pages")
    assert [host for host, _ in order] == sorted((h for h, _ in order), key=lambda h: h.split(".")[::-1])
    assert order == sorted(order, key=lambda r: (r[0].split(".")[::-1], r[1]))
    assert duck(root, "SELECT count(*) FROM pages")[0][0] == before["pages"].num_rows
    assert run_blogarchive("history", str(root), "https://gulls.example/post-0").stdout == history
    assert run_blogarchive("verify", str(root)).returncode == 0
    again = run_blogarchive("compact", str(root))  # one file: nothing to do
    assert again.returncode == 0 and "pages: 1 file, nothing to compact" in again.stdout
    same_rows(root, before)


@pytest.mark.parametrize("step", ["written", "committed", "renamed", "deleted"])
def test_a_compaction_killed_at_any_step_leaves_every_row_once_and_the_next_run_finishes(tmp_path, step):
    root = tmp_path / "archive"
    write_archive(root)
    before = snapshot(root)
    _kill_at(root, step)
    same_rows(root, before)  # exactly once, whatever the step
    assert run_blogarchive("stats", str(root)).returncode == 0
    finished = run_blogarchive("compact", str(root), "--table", "pages")
    assert finished.returncode == 0, finished.stderr
    same_rows(root, before)
    assert hidden(root) == [] and len(list((root / "pages").glob("*.parquet"))) == 1


@pytest.mark.parametrize("step", ["committed", "renamed"])
def test_a_compaction_on_s3_killed_mid_way_leaves_every_row_once(s3, tmp_path, monkeypatch, step):
    """On S3 the killed command's lease outlives it (no kernel lock there): the next run
    waits for it to lapse (BLOGARCHIVE_LEASE_SECONDS, shortened here)."""
    from pyarrow import fs as pafs

    local = tmp_path / "archive"
    write_archive(local)
    uri = s3.uri("blogs")
    pafs.copy_files(str(local), f"{s3.bucket}/blogs", destination_filesystem=s3.fs)
    location = locate(uri, s3.endpoint)
    before = snapshot(location)
    killed = subprocess.run(
        [sys.executable, "-m", "blogarchive.cli", "compact", uri, "--s3-endpoint", s3.endpoint],
        cwd=ROOT,
        env={**os.environ, STOP_AT: step, "BLOGARCHIVE_LEASE_SECONDS": "2"},
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -9, killed.stderr
    same_rows(location, before)
    time.sleep(2.5)  # the dead command's lease lapses
    finished = subprocess.run(
        [BLOGARCHIVE, "compact", uri, "--s3-endpoint", s3.endpoint],
        env=command_env(BLOGARCHIVE_LEASE_SECONDS="2"),
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr
    same_rows(location, before)
    names = [key.rsplit("/", 1)[1] for key in s3.keys("blogs/pages")]
    assert len(names) == 1 and names[0].startswith("compact-"), names


def test_compaction_waits_for_no_crawl_it_refuses_while_one_holds_the_lock(tmp_path):
    from blogarchive.archive.lock import ArchiveLock

    root = tmp_path / "archive"
    write_archive(root)
    with ArchiveLock(root, "a-crawl"):
        held = run_blogarchive("compact", str(root))
    assert held.returncode == 75 and "a-crawl" in held.stderr
    assert len(list((root / "pages").glob("*.parquet"))) == 12
    with ArchiveLock(root, "compact"):  # a compaction holds it: the message says so, not "crawl compact"
        second = run_blogarchive("compact", str(root))
    assert second.returncode == 75 and "is being written by blogarchive compact (pid" in second.stderr
    shutil.rmtree(root / "pages")
    empty = run_blogarchive("compact", str(root), "--table", "pages")
    assert empty.returncode == 0 and "pages: 0 files, nothing to compact" in empty.stdout


def test_a_reader_whose_file_list_a_compaction_replaced_fails_clearly(tmp_path, monkeypatch):
    from blogarchive.archive import reader
    from blogarchive.archive.errors import ArchiveError

    root = tmp_path / "archive"
    write_archive(root)
    stale = reader.committed_files(root, "pages")  # listed before the compaction
    assert run_blogarchive("compact", str(root)).returncode == 0
    monkeypatch.setattr(reader, "table_files", lambda location, table: stale)
    with pytest.raises(
        ArchiveError, match="went away while the archive was read .a compaction replaced it.: read again"
    ):
        reader.read_pages(root)


def _kill_at(root: Path, step: str) -> None:
    """Compact `root`'s pages, the command killing itself (SIGKILL) at `step`."""
    killed = subprocess.run(
        [sys.executable, "-m", "blogarchive.cli", "compact", str(root), "--table", "pages"],
        cwd=ROOT,
        env={**os.environ, STOP_AT: step},
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -9, killed.stderr


@pytest.mark.parametrize("harm", ["removed", "damaged"])
def test_a_committed_compaction_whose_new_files_are_gone_or_damaged_is_rolled_back(tmp_path, harm):
    """Its new files removed (a user tidying up after a kill) or damaged (a disk error): the
    files it replaced are all still there, so the next run undoes it; nothing is deleted."""
    root = tmp_path / "archive"
    write_archive(root)
    before = snapshot(root)
    _kill_at(root, "committed")
    [new] = [p for p in (root / "pages").iterdir() if p.name.startswith("_compact-")]
    if harm == "removed":
        new.unlink()
    else:
        data = bytearray(new.read_bytes())
        data[len(data) // 3 : len(data) // 3 + 64] = bytes(64)  # inside the data pages
        new.write_bytes(bytes(data))
    if harm == "removed":
        same_rows(root, before)  # readers read the files it would have replaced
    result = run_blogarchive("compact", str(root), "--table", "pages")
    assert result.returncode == 0, result.stderr
    same_rows(root, before)
    assert hidden(root) == []


@pytest.mark.parametrize(
    "manifest",
    [
        '{"outputs": [], "replaced": ["../crawls/victim.parquet"], "rows": 0}',
        '{"outputs": null, "replaced": null, "rows": 0}',
        '{"outputs": ["compact-other-00001.parquet"], "replaced": [], "rows": 0}',
        '{"outputs": [], "replaced": [], "rows": true}',
        "not json",
    ],
)
def test_a_manifest_that_names_anything_but_its_own_files_is_refused_and_nothing_deleted(tmp_path, manifest):
    root = tmp_path / "archive"
    write_archive(root)
    victim = root / "crawls" / "victim.parquet"
    shutil.copy(next((root / "crawls").glob("*.parquet")), victim)
    before = sorted(p.name for table in ("pages", "fetches", "crawls") for p in (root / table).iterdir())
    (root / "pages" / "_compaction-20260101T000000Z-abcdef.json").write_text(manifest)
    for command in (["compact", str(root)], ["stats", str(root)]):
        result = run_blogarchive(*command)
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "is damaged: not a compaction manifest of this folder; nothing done" in result.stderr
    after = sorted(p.name for table in ("pages", "fetches", "crawls") for p in (root / table).iterdir())
    assert after == sorted([*before, "_compaction-20260101T000000Z-abcdef.json"])  # nothing deleted, nothing new
    assert victim.exists()


def test_damaged_inputs_and_columns_of_a_newer_version_stop_it_before_anything_changes(tmp_path):
    import pyarrow.parquet as pq

    root = tmp_path / "archive"
    write_archive(root)
    names = sorted(p.name for p in (root / "pages").iterdir())
    first = sorted((root / "pages").glob("*.parquet"))[0]
    first.write_bytes(first.read_bytes()[:100])  # truncated
    result = run_blogarchive("compact", str(root), "--table", "pages")
    assert result.returncode == 1 and "is damaged" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in (root / "pages").iterdir()) == names

    fresh = tmp_path / "fresh"
    write_archive(fresh)
    second = sorted((fresh / "pages").glob("*.parquet"))[1]
    rows = pq.read_table(second)
    rows = rows.append_column("future_column", pa.array(["kept"] * rows.num_rows)).replace_schema_metadata(
        rows.schema.metadata
    )
    pq.write_table(rows, second)
    newer = run_blogarchive("compact", str(fresh), "--table", "pages")
    assert newer.returncode == 1 and "columns this blogarchive does not know (future_column)" in newer.stderr
    assert pq.read_table(second).column("future_column")[0].as_py() == "kept"


def test_a_manifest_whose_new_file_is_not_its_own_deletes_nothing(tmp_path):
    """A copy of an input posing as a compaction's new file, with the right row count: the
    new files carry their compaction's stamp (its id and what it replaced), so this one is
    rolled back and every row stays."""
    import json

    import pyarrow.parquet as pq

    root = tmp_path / "archive"
    write_archive(root)
    before = snapshot(root)
    first, second = sorted((root / "pages").glob("*.parquet"))[:2]
    shutil.copy(first, root / "pages" / "_compact-Z-00001.parquet.part")
    manifest = {"outputs": ["compact-Z-00001.parquet"], "replaced": [first.name, second.name]}
    manifest["rows"] = pq.read_metadata(first).num_rows
    (root / "pages" / "_compaction-Z.json").write_text(json.dumps(manifest))
    result = run_blogarchive("compact", str(root), "--table", "pages")
    assert result.returncode == 0, result.stderr
    same_rows(root, before)


def test_a_rolled_back_compaction_whose_other_new_file_has_its_final_name_is_not_read_twice(tmp_path):
    """Two new files, renamed into place; one then lost: readers read the files the
    compaction replaced, not those and the new file that is left."""
    import json

    root = tmp_path / "archive"
    write_archive(root)
    before = snapshot(root)
    _kill_at(root, "renamed")
    [manifest_path] = (root / "pages").glob("_compaction-*.json")
    manifest = json.loads(manifest_path.read_text())
    [first] = manifest["outputs"]
    second = first.replace("-00001.parquet", "-00002.parquet")
    (root / "pages" / first).rename(root / "pages" / second)  # the second stays, the first is lost
    manifest["outputs"] = [first, second]
    manifest_path.write_text(json.dumps(manifest))
    same_rows(root, before)
    assert run_blogarchive("compact", str(root), "--table", "pages").returncode == 0
    same_rows(root, before)


def test_a_crawl_compacts_the_tables_that_reached_the_threshold_as_it_ends(serve, tmp_path):
    from .conftest import write_site

    sentence = "Words of post {n}, long enough to keep. "
    posts = {
        f"p{n}.html": f"<html><body><article><h1>Post {n}</h1><p>{sentence.format(n=n) * 8}</p></article></body></html>"
        for n in range(3)
    }
    index = "".join(f"<a href='/p{n}'>p{n}</a> " for n in range(3))
    site = serve(write_site(tmp_path / "site", {**posts, "index.html": f"<html><body>{index}</body></html>"}))
    out = tmp_path / "archive"
    fast = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]
    first = run_blogarchive("crawl", site.url("/"), "--out", str(out), *fast, "-s", "ARCHIVE_COMPACT_FILES=3")
    assert first.returncode == 0, first.stderr
    files = {table: sorted((out / table).glob("*.parquet")) for table in ("pages", "fetches", "crawls")}
    # its two crawls rows (running, finished) are two files, under the threshold: none compacted
    assert len(files["crawls"]) == 2 and len(files["pages"]) == 1 and "compacted" not in first.stdout
    (tmp_path / "site" / "p1.html").write_text(posts["p1.html"].replace("Words", "Other words"))
    second = run_blogarchive("crawl", site.url("/"), "--out", str(out), *fast, "-s", "ARCHIVE_COMPACT_FILES=2")
    assert second.returncode == 0, second.stderr
    assert "; compacted crawls 4 files into 1, fetches 2 files into 1, pages 2 files into 1" in second.stdout
    for table in ("pages", "fetches", "crawls"):
        assert len(list((out / table).glob("*.parquet"))) == 1, table
    pages = read_pages(out, ["url"])
    expected = [site.url("/"), site.url("/p0"), site.url("/p1"), site.url("/p1"), site.url("/p2")]
    assert sorted(pages["url"].to_pylist()) == sorted(expected)  # p1 twice: its two versions
    assert len(read_crawls(out)) == 2 and set(read_crawls(out)["status"].to_pylist()) == {"finished"}
    fresh = run_blogarchive(
        "crawl", site.url("/"), "--out", str(tmp_path / "fresh"), *fast, "-s", "ARCHIVE_COMPACT_FILES=1"
    )
    assert fresh.stdout.rstrip().endswith("; compacted crawls 2 files into 1")  # one file is not compacted
    off = run_blogarchive("crawl", site.url("/"), "--out", str(out), *fast)  # off by default
    assert off.returncode == 0 and len(list((out / "crawls").glob("*.parquet"))) == 3


def test_a_compaction_whose_s3_lease_was_taken_over_changes_nothing_visible(s3, tmp_path):
    """Paused past its lease (a stopped VM, a debugger) while another process took the
    archive: the compaction stops before its commit, and its hidden files go."""
    import json

    from pyarrow import fs as pafs

    from blogarchive.archive.compaction import compact
    from blogarchive.archive.errors import LockLost
    from blogarchive.archive.lock import ArchiveLock

    local = tmp_path / "archive"
    write_archive(local)
    pafs.copy_files(str(local), f"{s3.bucket}/taken", destination_filesystem=s3.fs)
    location = locate(s3.uri("taken"), s3.endpoint)
    before = snapshot(location)
    keys = s3.keys("taken/pages")
    with ArchiveLock(location, "compact") as lock:
        lock.check()  # ours
        other = {"crawl_id": "another", "token": "not-ours", "renewed": time.time()}
        location.put_bytes(location.path(".lock"), json.dumps(other).encode())
        with pytest.raises(LockLost, match="another"):
            compact(location, "pages", still_ours=lock.check)
    assert s3.keys("taken/pages") == keys  # no manifest, no new file, hidden or not
    same_rows(location, before)


def test_the_holder_of_an_s3_lease_is_checked_by_its_crawl_id(s3):
    """What a crawl whose command line took the lock asks before each step of compacting as
    it ends (its pipeline holds no lock object of its own)."""
    import json

    from blogarchive.archive.errors import LockLost
    from blogarchive.archive.lock import ArchiveLock, check_holder

    location = locate(s3.uri("held"), s3.endpoint)
    location.put_bytes(location.path("pages", ".keep"), b"")
    with ArchiveLock(location, "crawl-1"):
        check_holder(location, "crawl-1")
        with pytest.raises(LockLost, match="held by crawl-1 now, not crawl-2"):
            check_holder(location, "crawl-2")
        location.put_bytes(location.path(".lock"), json.dumps({"crawl_id": "crawl-1", "renewed": 0}).encode())
        with pytest.raises(LockLost, match="not renewed"):
            check_holder(location, "crawl-1")
    check_holder(ROOT, "anyone")  # a folder's lock cannot be lost while its process lives


def test_an_interrupted_crawl_does_not_compact(serve, tmp_path):
    import signal

    from .conftest import write_site

    pages = {
        f"p{n}.html": f"<html><body><article><p>{f'Post {n} words. ' * 30}</p></article></body></html>"
        for n in range(6)
    }
    index = "".join(f"<a href='/p{n}'>p{n}</a> " for n in range(6))
    site = serve(write_site(tmp_path / "site", {**pages, "index.html": f"<html><body>{index}</body></html>"}))
    out = tmp_path / "archive"
    assert run_blogarchive("get", site.url("/p0"), site.url("/p1"), "--out", str(out)).returncode == 0
    before = {t: len(list((out / t).glob("*.parquet"))) for t in ("pages", "fetches", "crawls")}
    process = subprocess.Popen(
        [
            BLOGARCHIVE,
            "crawl",
            site.url("/"),
            "--out",
            str(out),
            "-s",
            "ARCHIVE_COMPACT_FILES=2",
            "-s",
            "DOWNLOAD_DELAY=1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert " interrupted" in stdout and "compacted" not in stdout, stdout + stderr
    assert len(list((out / "crawls").glob("*.parquet"))) > before["crawls"] >= 2


def test_a_later_compaction_keeps_an_earlier_ones_full_files_and_rewrites_only_the_new(tmp_path, monkeypatch):
    from blogarchive.archive import compaction

    root = tmp_path / "archive"
    write_archive(root)
    monkeypatch.setattr(compaction, "OUTPUT_BYTES", 3000)  # tiny "full" files: each holds a few rows
    monkeypatch.setattr(compaction, "ROW_GROUP_BYTES", 1500)
    first = compaction.compact(root, "pages")
    full = sorted(p.name for p in (root / "pages").glob("*.parquet"))
    assert first.written == len(full) > 2 and first.kept == 0
    with ArchiveWriter(root, "later") as writer:  # a new crawl's file, then another's
        writer.write_page(
            page_row(
                url="https://gulls.example/new",
                host="gulls.example",
                fetched_at=datetime(2026, 2, 1, tzinfo=UTC),
                content_hash="n1",
            )
        )
    with ArchiveWriter(root, "later2") as writer:
        writer.write_page(
            page_row(
                url="https://gulls.example/new2",
                host="gulls.example",
                fetched_at=datetime(2026, 2, 2, tzinfo=UTC),
                content_hash="n2",
            )
        )
    expected = read_pages(root, ["url", "fetched_at"]).num_rows
    second = compaction.compact(root, "pages")
    names = sorted(p.name for p in (root / "pages").glob("*.parquet"))
    kept = [name for name in full if name in names]
    assert second.replaced == 2 + (len(full) - len(kept)) and second.kept == len(kept) >= len(full) - 1
    assert set(kept) <= set(names) and len(names) == len(kept) + second.written
    assert read_pages(root, ["url", "fetched_at"]).num_rows == expected  # every row once
    third = compaction.compact(root, "pages")
    assert third.replaced < 2 and third.written == 0


@pytest.mark.parametrize(
    "path",
    [
        "/page?url=https://gulls.example/post-0",
        "/diff?url=https://gulls.example/post-0",
        "/search?q=day",
        "/search?q=&site=gulls.example",
    ],
)
def test_serve_reads_again_when_a_compaction_replaces_the_files_it_listed(tmp_path, monkeypatch, path):
    """The files of a page or a search are listed, then a compaction replaces them before
    they are opened: the view lists again and answers, never a 500."""
    from blogarchive.archive import compaction, reader
    from blogarchive.web.app import create_app

    root = tmp_path / "archive"
    write_archive(root)
    client = create_app(root).test_client()
    assert client.get("/").status_code == 200  # the view holds its listing of every version
    listing = reader._files
    moved = []

    def list_then_compact(where, table):
        found = listing(where, table)
        # after a listing made to read (not the view's check whether the archive changed)
        if sys._getframe(1).f_code.co_name in ("iter_pages", "read_page_versions") and not moved:
            moved.append(compaction.compact(where, "pages"))
        return found

    monkeypatch.setattr(reader, "_files", list_then_compact)
    response = client.get(path)
    assert moved and response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "3 text of https://gulls.example/post-0" in response.get_data(as_text=True)
