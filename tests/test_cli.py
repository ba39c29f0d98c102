"""User mistakes get one clear line on stderr, a non-zero exit, no traceback, nothing written.
And `get`: one-off archiving with no link following, `--print`, `--input-file`."""

from __future__ import annotations

import os

import pytest

from archive.cli import build_parser

from .conftest import ROOT, duck, run_blogarchive, write_site

POST = """<html lang="en"><head><title>A small post</title>
<meta property="og:type" content="article"><meta name="author" content="Iris Vale">
<meta property="article:published_time" content="2024-04-02"></head>
<body><nav><a href="/">Home</a> <a href="/other">Other post</a></nav>
<article><h1>A small post</h1>
<p>Small posts deserve archiving too, and this one has two paragraphs to prove that the extractor keeps them.</p>
<p>The second paragraph ends the post with a sentence about nothing in particular, but long enough to count.</p>
</article><footer>Footer of the small blog</footer></body></html>"""


def one_line_error(result, *needles):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("blogarchive: error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["crawl", "example.com", "--out", "{out}"], "not an http(s) URL"),
        (["crawl", "file:///etc/passwd", "--out", "{out}"], "not an http(s) URL"),
        (["crawl", "http://", "--out", "{out}"], "has no host"),
        (["crawl", "http://127.0.0.1:99999/", "--out", "{out}"], "invalid port"),
        (["get", "ftp://example.com/x", "--out", "{out}"], "not an http(s) URL"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--bogus"], "unrecognized arguments: --bogus"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--max-pages", "-3"], "negative"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--depth", "two"], "not a whole number"),
        (["crawl", "--out", "{out}"], "give at least one URL"),
        (["crawl", "http://127.0.0.1:9/"], "--out"),
        (["get", "http://127.0.0.1:9/"], "--print"),
        (["crawl", "--input-file", "{out}/missing.txt", "--out", "{out}"], "does not exist"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "nonsense"], "NAME=VALUE"),
        (["stats", "{out}/no-archive-here"], "no archive"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes(tmp_path, args, needle):
    out = tmp_path / "out"
    result = run_blogarchive(*[a.format(out=out) for a in args], timeout=60)
    one_line_error(result, needle)
    assert not out.exists() or not any(out.iterdir())


def test_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    result = run_blogarchive("crawl", "http://127.0.0.1:9/", "--out", str(target), timeout=60)
    one_line_error(result, "not a directory")
    assert target.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_output_path_not_writable(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    result = run_blogarchive("crawl", "http://127.0.0.1:9/", "--out", str(locked / "a"), timeout=60)
    one_line_error(result, "not writable")


def test_output_path_under_a_read_only_folder(tmp_path):
    # works for root too: /proc is read-only for everyone
    result = run_blogarchive("crawl", "http://127.0.0.1:9/", "--out", "/proc/blogarchive-test", timeout=60)
    one_line_error(result)


def test_every_command_has_help_with_an_example():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) == {"crawl", "get", "stats", "history", "export", "report", "serve", "demo", "worker", "submit", "schedule", "status"}
    for name, sub in commands.items():
        assert "example: blogarchive " + name in sub.format_help()


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for command in build_parser()._subparsers._group_actions[0].choices:
        assert f"blogarchive {command}" in readme


def test_get_archives_only_the_given_pages_and_prints(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {
        "post.html": POST,
        "other.html": POST.replace("A small post", "Another post"),
    }))
    out = tmp_path / "archive"
    result = run_blogarchive("get", site.url("/post"), site.url("/nope"), "--out", str(out), "--print")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"url: {site.url('/post')}\ntitle: A small post\nauthor: Iris Vale\n")
    assert "Small posts deserve archiving too" in result.stdout
    assert "Footer of the small blog" not in result.stdout
    assert f"blogarchive: {site.url('/nope')}: http_error (HTTP 404)" in result.stderr
    fetched = sorted(path for path, _ in site.requests)
    assert fetched == ["/nope", "/post", "/robots.txt"]  # no link following, no sitemap
    assert duck(out, "SELECT url, outcome FROM fetches ORDER BY url") == [
        (site.url("/nope"), "http_error"), (site.url("/post"), "stored")]


def test_get_print_without_out_writes_nothing(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {
        "post.html": POST,
    }))
    result = run_blogarchive("get", site.url("/post"), "--print", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "The second paragraph ends the post" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_input_file_feeds_urls(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {
        "post.html": POST,
        "other.html": POST.replace("Small posts deserve", "Other posts deserve"),
    }))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# my list\n{site.url('/post')}\n\n{site.url('/other')}\n")
    out = tmp_path / "archive"
    result = run_blogarchive("get", "--input-file", str(urls), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert duck(out, "SELECT count(*) FROM pages") == [(2,)]
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{site.url('/post')}\nnot a url\n")
    one_line_error(run_blogarchive("get", "--input-file", str(bad), "--out", str(tmp_path / "b")), "'not a url'")
    assert not (tmp_path / "b").exists()


def test_scrapy_crawl_from_the_project_root_does_the_same_crawl(serve, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    site = serve(write_site(tmp_path / "site", {
        "index.html": POST,
        "other.html": POST.replace("Small posts deserve", "Other posts deserve"),
    }))
    out = tmp_path / "archive"
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    result = subprocess.run(
        [scrapy, "crawl", "blog", "-a", f"url={site.url('/')}", "-s", f"ARCHIVE_DIR={out}", "-s", "DOWNLOAD_DELAY=0"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = duck(out, "SELECT url, outcome FROM fetches WHERE kind = 'page' ORDER BY url")
    assert rows == [(site.url("/"), "stored"), (site.url("/other"), "stored")]
    assert duck(out, "SELECT title, author FROM pages WHERE url LIKE '%/other'") == [("A small post", "Iris Vale")]
    # without the command line, the storage pipeline takes the archive lock and records the crawl
    import archive

    assert archive.read_crawls(out)["status"].to_pylist() == ["finished"]
    assert not (out / ".lock").read_text()  # released


def test_get_print_shows_a_page_again_even_when_the_archive_has_it(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {"post.html": POST}), validators=True)
    out = tmp_path / "archive"
    for _ in range(2):
        result = run_blogarchive("get", site.url("/post"), "--out", str(out), "--print")
        assert result.returncode == 0, result.stderr
        assert "Small posts deserve archiving too" in result.stdout
    assert duck(out, "SELECT outcome FROM fetches ORDER BY fetched_at") == [("stored",), ("unchanged",)]
