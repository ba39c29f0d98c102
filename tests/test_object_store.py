"""Archives on an S3-compatible object store: real crawls into a real S3 server (moto in
server mode) on loopback, read back with pyarrow's S3 filesystem and with DuckDB."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import duckdb
import pytest

from .conftest import ROOT, command_env, free_port, run_blogarchive, write_site

POSTS = 4
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]


def small_blog(tmp_path):
    posts = {
        f"post-{n}.html": f"<html lang='en'><head><title>Tide table {n}</title></head><body><article>"
        f"<h1>Tide table {n}</h1><p>Entry {n} of the harbour log: the tide turned at dawn, the ferry ran "
        f"late, and the gulls had the fish market to themselves until the boats came in.</p>"
        f"</article></body></html>"
        for n in range(POSTS)
    }
    links = "".join(f'<li><a href="/post-{n}">Tide table {n}</a></li>' for n in range(POSTS))
    index = f"<html><body><main><h1>Harbour log</h1><ul>{links}</ul></main></body></html>"
    return write_site(tmp_path / "blog", {"index.html": index, **posts})


def pages_by_duckdb(s3, prefix: str, sql: str) -> list[tuple]:
    """`sql` over `pages` read from the store with pyarrow, queried by DuckDB (DuckDB's own S3
    reader, httpfs, is an extension downloaded at first use: out of reach offline)."""
    pages = s3.table(prefix, "pages")
    with duckdb.connect() as con:
        con.register("pages", pages)
        return con.execute(sql).fetchall()


def test_crawl_into_s3_then_recrawl_reads_back_like_a_folder(serve, s3, tmp_path):
    site = serve(small_blog(tmp_path), validators=True)
    out = s3.uri("blogs/harbour")
    first = run_blogarchive("crawl", site.url("/"), "--out", out, "--s3-endpoint", s3.endpoint, *FAST)
    assert first.returncode == 0, first.stderr
    assert f"-> {out}" in first.stdout

    keys = s3.keys("blogs/harbour")
    assert keys and all(k.startswith(f"{s3.bucket}/blogs/harbour/") for k in keys)
    names = [k.rsplit("/", 1)[1] for k in keys]
    assert all(n.endswith(".parquet") for n in names), names  # no temporaries, no lease left behind
    assert {k.split("/")[3] for k in keys} == {"pages", "fetches", "crawls"}
    rows = pages_by_duckdb(s3, "blogs/harbour", "SELECT url, title, language FROM pages ORDER BY url")
    assert [r[0] for r in rows] == [site.url("/")] + [site.url(f"/post-{n}") for n in range(POSTS)]
    assert rows[1][1:] == ("Tide table 0", "en")

    stats = run_blogarchive("stats", out, "--s3-endpoint", s3.endpoint)
    assert stats.returncode == 0, stats.stderr
    assert f"pages      {POSTS + 1} " in stats.stdout and "crawls     1" in stats.stdout

    # the endpoint may come from the AWS variable instead of the option
    again = subprocess.run(
        [sys.executable, "-m", "blogarchive.cli", "crawl", site.url("/"), "--out", out, *FAST],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=command_env(AWS_ENDPOINT_URL=s3.endpoint),
    )
    assert again.returncode == 0, again.stderr
    assert "stored" not in again.stdout and "not_modified" in again.stdout  # incremental, as on disk
    per_url = pages_by_duckdb(s3, "blogs/harbour", "SELECT url, count(*) FROM pages GROUP BY url")
    assert len(per_url) == POSTS + 1 and {n for _, n in per_url} == {1}
    crawls = s3.table("blogs/harbour", "crawls")
    assert sorted(set(crawls["status"].to_pylist())) == ["finished", "running"]

    history = run_blogarchive("history", out, site.url("/post-2"), "--s3-endpoint", s3.endpoint)
    assert history.returncode == 0 and "1 version" in history.stdout and "Tide table 2" in history.stdout
    typo = run_blogarchive("stats", s3.uri("blogs/harbor"), "--s3-endpoint", s3.endpoint)
    assert typo.returncode == 1 and f"no archive at {s3.uri('blogs/harbor')}" in typo.stderr


def test_an_s3_archive_being_written_is_refused_until_its_lease_lapses(serve, s3, tmp_path):
    site = serve(small_blog(tmp_path), delay=0.4)
    out = s3.uri("leased")
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "blogarchive.cli",
            "crawl",
            site.url("/"),
            "--out",
            out,
            "--s3-endpoint",
            s3.endpoint,
            *FAST,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while f"{s3.bucket}/leased/.lock" not in s3.keys("leased"):
            assert time.monotonic() < deadline and first.poll() is None, "the first crawl took no lease"
            time.sleep(0.1)
        second = run_blogarchive("crawl", site.url("/"), "--out", out, "--s3-endpoint", s3.endpoint, *FAST)
        assert second.returncode == 75, second.stderr
        assert "is being written by crawl" in second.stderr and "lease lapses" in second.stderr
        stdout, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, stderr
    assert f"{s3.bucket}/leased/.lock" not in s3.keys("leased")  # released at the end

    # a lease nobody renewed (its crawl was killed) is stale: the next crawl takes it over
    stale = {
        "crawl_id": "20000101T000000Z-dead00",
        "pid": 1,
        "hostname": "gone",
        "token": "x",
        "renewed": time.time() - 3600,
    }
    with s3.fs.open_output_stream(f"{s3.bucket}/leased/.lock") as stream:
        stream.write(json.dumps(stale).encode())
    third = run_blogarchive("crawl", site.url("/"), "--out", out, "--s3-endpoint", s3.endpoint, *FAST)
    assert third.returncode == 0, third.stderr


@pytest.mark.parametrize(
    ("target", "option", "needle", "status"),
    [
        ("s3://no-such-bucket/x", "{endpoint}", "bucket 'no-such-bucket' does not exist", 1),
        ("s3:///x", "{endpoint}", "s3://bucket/prefix", 2),
        ("s3://bucket/x?versionId=1", "{endpoint}", "s3://bucket/prefix", 2),
        ("s3://bucket/x", "ftp://127.0.0.1:1", "--s3-endpoint must be an http(s) URL", 2),
        ("s3://bucket/x", "http://127.0.0.1:{closed}", "Could not connect", 1),
        ("gs://bucket/x", "{endpoint}", "folder or s3://bucket/prefix", 2),
    ],
)
def test_s3_mistakes_get_one_line(s3, target, option, needle, status):
    endpoint = option.format(endpoint=s3.endpoint, closed=free_port())
    result = run_blogarchive("crawl", "http://127.0.0.1:9/", "--out", target, "--s3-endpoint", endpoint, timeout=60)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status, result.stderr
    assert len(lines) == 1 and lines[0].startswith("blogarchive: error: ") and needle in lines[0], result.stderr


def test_warc_captures_on_s3_are_uploaded_whole_and_replay_by_pointer(serve, s3, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from blogarchive.archive.location import locate
    from blogarchive.archive.warc import read_record

    root = small_blog(tmp_path)
    site = serve(root)
    out = s3.uri("captured")
    result = run_blogarchive("crawl", site.url("/"), "--out", out, "--s3-endpoint", s3.endpoint, "--warc", *FAST)
    assert result.returncode == 0, result.stderr
    warcs = [key for key in s3.keys("captured") if "/warc/" in key]
    assert warcs and all(key.endswith(".warc.gz") for key in warcs)
    rows = s3.table("captured", "pages").select(["url", "warc_filename", "warc_record_offset", "warc_record_length"])
    location = locate(out, s3.endpoint)
    for row in rows.to_pylist():
        raw = read_record(location, row["warc_filename"], row["warc_record_offset"], row["warc_record_length"])
        (payload,) = [record.raw_stream.read() for record in ArchiveIterator(io.BytesIO(raw))]
        name = row["url"].rsplit("/", 1)[1] or "index"
        assert payload == (root / f"{name}.html").read_bytes()


def test_a_crawl_whose_lease_was_taken_over_stops(serve, s3, tmp_path):
    """A crawl paused past its lease (here: the lease is overwritten, as a second crawl
    that found it stale would) must not go on writing beside the new holder."""
    site = serve(small_blog(tmp_path), delay=0.5)
    out = s3.uri("taken")
    crawl = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "blogarchive.cli",
            "crawl",
            site.url("/"),
            "--out",
            out,
            "--s3-endpoint",
            s3.endpoint,
            *FAST,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(BLOGARCHIVE_LEASE_SECONDS="3"),
    )
    try:
        deadline = time.monotonic() + 60
        while not any("/crawls/" in key for key in s3.keys("taken")):  # holding the lease, and writing
            assert time.monotonic() < deadline and crawl.poll() is None, "the crawl did not start"
            time.sleep(0.1)
        other = {
            "crawl_id": "20990101T000000Z-other0",
            "pid": 1,
            "hostname": "elsewhere",
            "token": "theirs",
            "renewed": time.time() + 3600,
        }
        with s3.fs.open_output_stream(f"{s3.bucket}/taken/.lock", compression=None) as stream:
            stream.write(json.dumps(other).encode())
        stdout, stderr = crawl.communicate(timeout=60)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert crawl.returncode == 3, stderr  # interrupted, not finished
    assert "no longer ours to write" in stderr and "20990101T000000Z-other0" in stderr
    assert " interrupted: " in stdout
    lease = json.loads(s3.fs.open_input_stream(f"{s3.bucket}/taken/.lock", compression=None).read())
    assert lease["token"] == "theirs"  # its release left the other crawl's lease alone


def test_a_damaged_object_is_named_and_verify_quarantines_it_on_s3(serve, s3, tmp_path):
    site = serve(small_blog(tmp_path))
    out = s3.uri("blogs/damaged")
    assert run_blogarchive("crawl", site.url("/"), "--out", out, "--s3-endpoint", s3.endpoint, *FAST).returncode == 0
    junk = f"{s3.bucket}/blogs/damaged/pages/zz-junk.parquet"
    with s3.fs.open_output_stream(junk) as stream:
        stream.write(b"not parquet" * 10)
    stats = run_blogarchive("stats", out, "--s3-endpoint", s3.endpoint)
    assert stats.returncode == 1 and stats.stderr.count("\n") == 1
    assert (
        stats.stderr.startswith(f"blogarchive: error: s3://{junk} is damaged (")
        and "blogarchive verify" in stats.stderr
    )
    moved = run_blogarchive("verify", out, "--s3-endpoint", s3.endpoint, "--quarantine")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert f"-> s3://{s3.bucket}/blogs/damaged/quarantine/pages/zz-junk.parquet" in moved.stdout
    assert junk not in s3.keys("blogs/damaged")
    assert run_blogarchive("stats", out, "--s3-endpoint", s3.endpoint).returncode == 0
