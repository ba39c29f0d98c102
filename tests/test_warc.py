"""WARC: `crawl --warc` keeps every exchange as sent and received, rows point at their
records (replayed here by pointer, byte for byte), identical re-fetches and 304s are
revisit records, warcio's own checker passes every file; `export --format warc` builds
WARC from the html column of an archive crawled without it."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from blogarchive.archive.warc import Exchange, WarcSegments, payload_digest, read_record
from blogarchive.crawler.demo.server import send

from .conftest import BLOGARCHIVE, duck, run_blogarchive, write_site

POST = (
    "<html lang='en'><head><title>{title}</title><meta property='og:type' content='article'></head><body>"
    "<article><h1>{title}</h1><p>{title} is a post whose paragraph is long enough to be the main text of the "
    "page, about the harbour and the tides.</p></article></body></html>"
)
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]


def gzipped_post(handler) -> None:
    """A page sent gzip-encoded: the capture must keep the encoded bytes and the header."""
    body = gzip.compress(POST.format(title="Zipped").encode(), mtime=0)
    send(handler, 200, body, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})


def moved(handler) -> None:
    send(handler, 301, b"", "text/html", {"Location": "/a"})


def site_files() -> dict[str, str]:
    index = (
        "<html><body><main><h1>Home</h1><ul><li><a href='/a'>A</a></li><li><a href='/b'>B</a></li>"
        "<li><a href='/old'>Old</a></li><li><a href='/zipped'>Zipped</a></li></ul></main></body></html>"
    )
    return {"index.html": index, "a.html": POST.format(title="Alpha"), "b.html": POST.format(title="Beta")}


def records(path: Path) -> list:
    with open(path, "rb") as stream:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(stream)]


def replay(out: Path, filename: str, offset: int, length: int):
    """What a replay tool does with a pointer: read that range, parse the one record in it."""
    raw = read_record(out, filename, offset, length)
    assert raw[:2] == b"\x1f\x8b"  # one gzip member
    found = [(record, record.raw_stream.read()) for record in ArchiveIterator(io.BytesIO(raw))]  # the bytes as stored
    assert len(found) == 1
    return found[0][0], found[0][1], raw


def cdxj_index(files: list[Path]) -> dict[str, set[tuple[str, str, str]]]:
    """url -> {(filename, offset, length)} of its response records, as cdxj-indexer lists them."""
    indexer = Path(BLOGARCHIVE).with_name("cdxj-indexer")
    result = subprocess.run([str(indexer), *map(str, files)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    index: dict[str, set[tuple[str, str, str]]] = {}
    for line in result.stdout.splitlines():
        entry = json.loads(line.split(" ", 2)[2])
        index.setdefault(entry["url"], set()).add((entry["filename"], entry["offset"], entry["length"]))
    return index


def warcio_check(files: list[Path]) -> None:
    checker = Path(BLOGARCHIVE).with_name("warcio")
    result = subprocess.run([str(checker), "check", "-v", *map(str, files)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout and "fail" not in result.stdout


@pytest.mark.parametrize("validators", [False, True], ids=["same-bytes", "etag"])
def test_crawl_with_warc_keeps_exchanges_that_rows_point_to(serve, tmp_path, validators):
    root = write_site(tmp_path / "site", site_files())
    site = serve(root, routes={"/zipped": gzipped_post, "/old": moved}, validators=validators)
    out = tmp_path / "archive"
    first = run_blogarchive("crawl", site.url("/"), "--out", str(out), "--warc", *FAST)
    assert first.returncode == 0, first.stderr
    files = sorted((out / "warc").glob("*.warc.gz"))
    assert files and not list((out / "warc").glob(".*"))  # published whole, no temporaries
    warcio_check(files)

    # every stored page replays from its pointer: the bytes the server sent, headers included
    pages = duck(out, "SELECT url, warc_filename, warc_record_offset, warc_record_length, html FROM pages")
    assert len(pages) == 4
    for url, filename, offset, length, html in pages:
        record, payload, _ = replay(out, filename, offset, length)
        assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url
        name = url.rsplit("/", 1)[1] or "index"
        if name == "zipped":
            assert record.http_headers.get_header("Content-Encoding") == "gzip"
            assert gzip.decompress(payload).decode() == html  # the encoded body, as sent
        else:
            assert payload == (root / f"{name}.html").read_bytes()
            assert payload.decode() == html
    # the redirect's own response is captured, and its row points at it
    ((filename, offset, length),) = duck(
        out, "SELECT warc_filename, warc_record_offset, warc_record_length FROM fetches WHERE outcome = 'redirected'"
    )
    record, _, _ = replay(out, filename, offset, length)
    assert record.http_headers.get_statuscode() == "301" and record.http_headers.get_header("Location") == "/a"
    # the index a replay tool builds (Webrecorder's cdxj-indexer, as pywb does) agrees with our pointers
    indexed = cdxj_index(files)
    for url, filename, offset, length, _ in pages:
        assert (filename, str(offset), str(length)) in indexed[url]
    # each response has its request record, with the headers the crawl sent
    requests = [r for f in files for r in records(f) if r[0] == "request"]
    assert requests and all(r[2].get_header("User-Agent", "").startswith("blogarchive") for r in requests)

    second = run_blogarchive("crawl", site.url("/"), "--out", str(out), "--warc", *FAST)
    assert second.returncode == 0, second.stderr
    crawl_id = second.stdout.split()[1]
    rows = duck(
        out,
        f"SELECT url, outcome, warc_filename, warc_record_offset, warc_record_length, payload_digest "
        f"FROM fetches WHERE crawl_id = '{crawl_id}' AND kind = 'page' AND outcome <> 'redirected'",
    )
    outcomes = {outcome for _, outcome, *_ in rows}
    assert outcomes == (
        {"not_modified", "unchanged"} if validators else {"unchanged"}
    )  # /old leads to /a unconditionally
    first_digests = dict(duck(out, "SELECT url, payload_digest FROM fetches WHERE outcome = 'stored'"))
    for url, outcome, filename, offset, length, digest in rows:
        record, payload, _ = replay(out, filename, offset, length)
        assert record.rec_type == "revisit" and payload == b""  # not a second full copy
        assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == url
        assert digest == first_digests[url] == record.rec_headers.get_header("WARC-Payload-Digest")
        profile = "server-not-modified" if outcome == "not_modified" else "identical-payload-digest"
        assert record.rec_headers.get_header("WARC-Profile").endswith(profile)
    warcio_check(sorted((out / "warc").glob("*.warc.gz")))
    indexed = cdxj_index(sorted((out / "warc").glob("*.warc.gz")))  # the revisits are indexed where we point
    assert all((filename, str(offset), str(length)) in indexed[url] for url, _, filename, offset, length, _ in rows)


def test_export_warc_from_the_html_column(serve, tmp_path):
    root = write_site(tmp_path / "site", site_files())
    site = serve(root)
    out = tmp_path / "archive"
    assert run_blogarchive("crawl", site.url("/"), "--out", str(out), *FAST).returncode == 0
    assert not (out / "warc").exists()
    target = tmp_path / "exported"
    result = run_blogarchive("export", str(out), "--format", "warc", "--out", str(target))
    assert result.returncode == 0, result.stderr
    files = sorted(target.glob("*.warc.gz"))
    assert len(files) == 1 and result.stdout.startswith("exported 3 pages as warc")
    warcio_check(files)
    responses = {
        h.get_header("WARC-Target-URI"): (http, body) for kind, h, http, body in records(files[0]) if kind == "response"
    }
    expected = dict(duck(out, "SELECT url, html FROM pages"))
    assert set(responses) == set(expected)
    for url, (http, body) in responses.items():
        assert body == expected[url].encode("utf-8") and http.get_header("Content-Type") == "text/html; charset=utf-8"
    assert run_blogarchive("export", str(out), "--format", "warc").returncode == 2  # needs --out

    # one-off archiving keeps its capture too
    single = tmp_path / "single"
    got = run_blogarchive("get", site.url("/b"), "--out", str(single), "--warc", *FAST)
    assert got.returncode == 0, got.stderr
    ((filename, offset, length),) = duck(
        single, "SELECT warc_filename, warc_record_offset, warc_record_length FROM pages"
    )
    assert replay(single, filename, offset, length)[1] == (root / "b.html").read_bytes()
    no_out = run_blogarchive("get", site.url("/b"), "--print", "--warc")
    assert no_out.returncode == 2 and "--warc keeps the captures in the archive" in no_out.stderr


def test_segments_roll_at_their_size_and_only_whole_files_are_visible(tmp_path):
    segments = WarcSegments(tmp_path, "c1", max_bytes=3000)
    body = os.urandom(3072)  # 3 KB that does not compress away
    pointers = [segments.write(_exchange(f"https://x.example/{n}", body)) for n in range(3)]
    assert [p.filename for p in pointers] == ["c1-00001.warc.gz", "c1-00002.warc.gz", "c1-00003.warc.gz"]
    assert not list((tmp_path / "warc").glob("*.warc.gz"))  # sealed, published by the writer's next flush
    sealed = segments.seal()
    assert [name for _, name in sealed] == ["c1-00001.warc.gz", "c1-00002.warc.gz", "c1-00003.warc.gz"]
    for segment in sealed:
        segments.publish(segment)
    assert sorted(p.name for p in (tmp_path / "warc").glob("*.warc.gz")) == [
        "c1-00001.warc.gz",
        "c1-00002.warc.gz",
        "c1-00003.warc.gz",
    ]
    small = WarcSegments(tmp_path, "c2")
    pointer = small.write(
        _exchange(
            "https://x.example/small",
            b"<p>hello</p>",
            headers=[("Transfer-Encoding", "chunked"), ("Content-Type", "text/html")],
        )
    )
    assert not (tmp_path / "warc" / pointer.filename).exists()  # still being written: hidden
    assert list((tmp_path / "warc").glob(".c2-*.tmp"))
    small.close()
    record, payload, _ = replay(tmp_path, pointer.filename, pointer.offset, pointer.length)
    assert payload == b"<p>hello</p>" and pointer.payload_digest == payload_digest(b"<p>hello</p>")
    # the connection's framing is kept under another name: the stored body is not chunked
    assert record.http_headers.get_header("Transfer-Encoding") is None
    assert record.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"

    # a 304 for a page the archive holds no digest of (captured without --warc) is a plain
    # response record: a revisit must name what it revisits
    lone = WarcSegments(tmp_path, "c3")
    exchange = _exchange("https://x.example/known-without-warc", b"")
    exchange.status, exchange.reason = 304, "Not Modified"
    pointer = lone.write(exchange)
    lone.close()
    record, _, _ = replay(tmp_path, pointer.filename, pointer.offset, pointer.length)
    assert record.rec_type == "response" and record.http_headers.get_statuscode() == "304"
    assert pointer.payload_digest is None


def _exchange(url: str, body: bytes, headers: list[tuple[str, str]] | None = None) -> Exchange:
    from datetime import datetime, timezone

    return Exchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "test")],
        status=200,
        reason="OK",
        response_headers=headers or [("Content-Type", "application/octet-stream")],
        body=body,
        date=datetime.now(timezone.utc),
    )
