"""User mistakes get one clear line on stderr, a non-zero exit, no traceback, nothing written.
And `get`: one-off archiving with no link following, `--print`, `--input-file`."""

from __future__ import annotations

import os

import pytest

from blogarchive.cli import build_parser

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
        (
            ["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "DOWNLOAD_DELAY=abc"],
            "DOWNLOAD_DELAY='abc': expected a number",
        ),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "DOWNLOD_DELAY=1"], "did you mean DOWNLOAD_DELAY?"),
        (["get", "http://127.0.0.1:9/", "--print", "-s", "ROBOTSTXT_OBEY=maybe"], "expected true or false"),
        (
            ["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "CONCURRENT_REQUESTS=2.5"],
            "expected a whole number",
        ),
        (
            ["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "CRAWL_FAMILY_BUDGET=ten"],
            "expected a whole number",
        ),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "LOG_LEVEL=LOUD"], "a log level"),
        (
            ["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "METAREFRESH_MAXDELAY=2.5"],
            "expected a whole number",
        ),
        (
            [
                "submit",
                "http://127.0.0.1:9/",
                "--out",
                "{out}",
                "--broker",
                "redis://127.0.0.1:9/0",
                "-s",
                "DOWNLOAD_DELAY=abc",
            ],
            "expected a number",
        ),
        (["frobnicate"], "invalid choice"),
        # issue 15: each of these printed a traceback
        (["get", "http://[::1/", "--print"], "not a valid URL"),
        (["get", "http://[zz]/", "--print"], "not a valid URL"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--revisit-after", "nan"], "not a duration"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--revisit-after", "inf"], "not a duration"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--revisit-after", "1e400w"], "not a duration"),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--revisit-after", "99999999w"], "longer than 36500 days"),
        (
            ["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "CRAWL_REVISIT_AFTER=nan"],
            "expected a duration: seconds, or 90s",
        ),
        (["crawl", "http://127.0.0.1:9/", "--out", "{out}", "-s", "DOWNLOAD_DELAY=inf"], "expected a number"),
        (["get", "http://127.0.0.1:9/", "--out", "{out}/x\udcff"], "is not valid UTF-8"),
        (["history", "{out}", "http://x/\udcff"], "is not valid UTF-8"),
        (["stats", "s3://b/p", "--s3-endpoint", "http://[::1"], "--s3-endpoint must be an http(s) URL"),
        (["stats", "s3://[b/p"], "s3://bucket/prefix"),
        (["get", "--input-file", "/dev/zero", "--print"], "larger than 128 MB"),
        (["get", "http://127.0.0.1:9/" + "a" * 9000, "--print"], "longer than 8,192"),
        (
            ["crawl", "http://127.0.0.1:9/", "--out", "{out}", "--allow-host", "https://blog.example/"],
            "is not a host name",
        ),
        (
            ["get", "http://127.0.0.1:9/", "--print", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=0"],
            "expected a number from 1 to 1000",
        ),
        (["get", "http://127.0.0.1:9/", "--print", "-s", "DOWNLOAD_DELAY=1e308"], "expected a number from 0 to 3600"),
        (["get", "http://127.0.0.1:9/", "--print", "-s", "EXTRACTION_PROCESSES=10000"], "expected a number from -1 to"),
        (["get", "http://127.0.0.1:9/", "--print", "-s", "DOWNLOAD_TIMEOUT=-1"], "expected a number from 0 to 86400"),
        (["get", "http://127.0.0.1:9/", "--print", "-s", "ARCHIVE_ROW_GROUP_ROWS=0"], "expected a number from 1 up"),
        (["get", "http://127.0.0.1:9/", "--print", "-s", "DNSCACHE_SIZE=-1"], "expected a number from 0 up"),
        (["get", "http://127.0.0.1:9/", "--print", "-s", 'CRAWL_HOST_PROXIES={{"localhost": 1}}'], "host -> proxy URL"),
        (["get", "http://%6c%6f%63%61%6c%68%6f%73%74:9/", "--print"], "not a valid host"),
        (["demo", "--out", ""], "--out"),
        # the archive and its lock are blogarchive's to set: not a way around the lock
        (
            ["get", "http://127.0.0.1:9/", "--out", "{out}", "-s", "ARCHIVE_LOCK_HELD=1"],
            "ARCHIVE_LOCK_HELD cannot be set",
        ),
        (["get", "http://127.0.0.1:9/", "--print", "-s", "ARCHIVE_DIR={out}"], "ARCHIVE_DIR cannot be set"),
    ],
)
def test_user_mistakes(tmp_path, args, needle):
    out = tmp_path / "out"
    result = run_blogarchive(*[a.format(out=out) for a in args], timeout=60)
    one_line_error(result, needle)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["crawl", "--help"],
        ["stats", "{archive}"],
        ["history", "{archive}", "{url}"],
        ["export", "{archive}", "--format", "jsonl"],
        ["export", "{archive}", "--format", "csv"],
        ["get", "{url}", "--print"],
    ],
)
def test_a_full_standard_output_is_one_line_and_a_failure(serve, tmp_path, args):
    """Written to /dev/full: every write fails with ENOSPC, as on a full disk."""
    import subprocess

    from .conftest import BLOGARCHIVE, command_env

    site = serve(write_site(tmp_path / "site", {"index.html": POST}))
    archive = tmp_path / "a"
    assert run_blogarchive("get", site.url("/"), "--out", str(archive)).returncode == 0
    argv = [a.format(archive=archive, url=site.url("/")) for a in args]
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [BLOGARCHIVE, *argv], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, env=command_env()
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()] and "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["crawl", "get"])
def test_output_path_that_is_a_file_is_a_usage_mistake(tmp_path, command):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    result = run_blogarchive(command, "http://127.0.0.1:9/", "--out", str(target), timeout=60)
    one_line_error(result, "not a directory")
    assert result.returncode == 2
    assert target.read_text() == "keep me"


def test_settings_of_the_right_type_are_taken(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {"index.html": POST}))
    result = run_blogarchive(
        "get",
        site.url("/"),
        "--out",
        str(tmp_path / "a"),
        "-s",
        "DOWNLOAD_TIMEOUT=2.5",
        "-s",
        "ROBOTSTXT_OBEY=false",
        "-s",
        "CRAWL_STRIP_PARAMS=a,b",
        "-s",
        "DOWNLOAD_DELAY=0",
    )
    assert result.returncode == 0, result.stderr
    assert '"DOWNLOAD_TIMEOUT": "2.5"' in archive_settings(tmp_path / "a")


def test_settings_are_checked_by_how_the_crawl_reads_them():
    """Not by their defaults alone: TELNETCONSOLE_ENABLED defaults to 1 and is read as a
    bool; DOWNLOAD_TIMEOUT defaults to a whole number and is read as a float; a log level
    is taken in any case."""
    from blogarchive.crawler.overrides import check_overrides

    assert check_overrides(
        {
            "TELNETCONSOLE_ENABLED": "false",
            "DOWNLOAD_TIMEOUT": "2.5",
            "LOG_LEVEL": "debug",
            "CONCURRENT_REQUESTS_PER_IP": "1",
        }
    ) == {
        "TELNETCONSOLE_ENABLED": "false",
        "DOWNLOAD_TIMEOUT": "2.5",
        "LOG_LEVEL": "DEBUG",
        "CONCURRENT_REQUESTS_PER_IP": "1",
    }


def test_a_component_that_cannot_load_is_one_line_and_a_failure(tmp_path):
    result = run_blogarchive(
        "get", "http://127.0.0.1:9/", "--print", "-s", 'ITEM_PIPELINES={"no_such_module.Pipeline": 100}', timeout=60
    )
    one_line_error(result, "the crawl could not start", "No module named 'no_such_module'")
    assert result.returncode == 1


def test_an_archive_that_cannot_be_written_from_the_start_is_a_failed_crawl_in_few_lines(serve, tmp_path):
    import resource
    import subprocess

    from .conftest import BLOGARCHIVE, command_env

    site = serve(write_site(tmp_path / "site", {"index.html": POST}))
    out = tmp_path / "archive"

    def small_files() -> None:  # a file size limit: every Parquet file write fails
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    result = subprocess.run(
        [BLOGARCHIVE, "crawl", site.url("/"), "--out", str(out), "-s", "EXTRACTION_PROCESSES=0"],
        capture_output=True,
        text=True,
        timeout=120,
        env=command_env(),
        preexec_fn=small_files,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert all(line.startswith("blogarchive: ") for line in result.stderr.splitlines()), result.stderr
    assert " failed: " in result.stdout and "cannot write" in result.stdout


def archive_settings(out) -> str:
    from blogarchive import archive

    return archive.read_crawls(out)["settings"][0].as_py()


def test_a_failed_fetch_is_one_line_of_ours_and_nothing_of_scrapy(tmp_path):
    from .test_crawl import closed_port

    url = f"http://127.0.0.1:{closed_port()}/"
    printed = run_blogarchive("get", url, "--print", timeout=60)
    assert printed.returncode == 1
    assert printed.stdout == ""
    assert printed.stderr.splitlines() == [
        f"blogarchive: {url}: fetch_error (" + printed.stderr.split(": fetch_error (", 1)[1].strip()
    ]
    stored = run_blogarchive("get", url, "--out", str(tmp_path / "a"), timeout=60)
    assert stored.returncode == 1 and stored.stderr == "", stored.stderr
    assert stored.stdout.startswith("crawl ") and " failed: fetch_error 1 " in stored.stdout
    verbose = run_blogarchive("get", url, "--out", str(tmp_path / "a"), "-v", timeout=60)
    assert "[scrapy" in verbose.stderr  # the machinery is there for whoever asks


def test_serve_on_a_port_in_use_is_one_line(tmp_path, versioned_archive):
    import socket

    out, _ = versioned_archive
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_blogarchive("serve", str(out), "--port", str(taken.getsockname()[1]), timeout=60)
    one_line_error(result, "cannot listen on 127.0.0.1:", "in use")
    assert result.returncode == 2


@pytest.mark.parametrize("where", ["empty-folder", "table-folder"])
def test_a_folder_without_an_archive_is_said_so_by_every_reader(tmp_path, versioned_archive, where):
    from blogarchive import archive

    out, _ = versioned_archive
    folder = tmp_path / "empty" if where == "empty-folder" else out / "pages"
    folder.mkdir(exist_ok=True)
    for command in (["stats"], ["export", "-f", "jsonl"], ["report", "-o", str(tmp_path / "r.html")]):
        result = run_blogarchive(command[0], str(folder), *command[1:], timeout=60)
        one_line_error(result, f"no archive at {folder}")
        assert result.returncode == 1
    with pytest.raises(archive.ArchiveError, match="no archive at") as raised:
        archive.read_pages(folder)
    if where == "table-folder":
        assert f"give the archive, {out}" in str(raised.value)


def test_one_exit_status_table_in_the_readme_and_in_help():
    from blogarchive.archive.exits import MEANINGS
    from blogarchive.cli.options import exit_code_help

    readme = (ROOT / "README.md").read_text()
    for code, meaning in MEANINGS.items():
        assert f"| `{code}` | {meaning} |" in readme
    for command in ("crawl", "get"):
        shown = " ".join(run_blogarchive(command, "--help").stdout.split())
        assert " ".join(exit_code_help().split()) in shown


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
    assert set(commands) == {
        "crawl",
        "get",
        "stats",
        "history",
        "export",
        "report",
        "serve",
        "demo",
        "worker",
        "submit",
        "schedule",
        "status",
        "verify",
        "compact",
        "dups",
    }
    for name, sub in commands.items():
        assert "example: blogarchive " + name in sub.format_help()


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for command in build_parser()._subparsers._group_actions[0].choices:
        assert f"blogarchive {command}" in readme


def test_get_archives_only_the_given_pages_and_prints(serve, tmp_path):
    site = serve(
        write_site(
            tmp_path / "site",
            {
                "post.html": POST,
                "other.html": POST.replace("A small post", "Another post"),
            },
        )
    )
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
        (site.url("/nope"), "http_error"),
        (site.url("/post"), "stored"),
    ]


def test_get_print_without_out_writes_nothing(serve, tmp_path):
    site = serve(
        write_site(
            tmp_path / "site",
            {
                "post.html": POST,
            },
        )
    )
    result = run_blogarchive("get", site.url("/post"), "--print", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "The second paragraph ends the post" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_input_file_feeds_urls(serve, tmp_path):
    site = serve(
        write_site(
            tmp_path / "site",
            {
                "post.html": POST,
                "other.html": POST.replace("Small posts deserve", "Other posts deserve"),
            },
        )
    )
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

    site = serve(
        write_site(
            tmp_path / "site",
            {
                "index.html": POST,
                "other.html": POST.replace("Small posts deserve", "Other posts deserve"),
            },
        )
    )
    out = tmp_path / "archive"
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    result = subprocess.run(
        [scrapy, "crawl", "blog", "-a", f"url={site.url('/')}", "-s", f"ARCHIVE_DIR={out}", "-s", "DOWNLOAD_DELAY=0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = duck(out, "SELECT url, outcome FROM fetches WHERE kind = 'page' ORDER BY url")
    assert rows == [(site.url("/"), "stored"), (site.url("/other"), "stored")]
    assert duck(out, "SELECT title, author FROM pages WHERE url LIKE '%/other'") == [("A small post", "Iris Vale")]
    # without the command line, the storage pipeline takes the archive lock and records the crawl
    from blogarchive import archive

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


def test_get_print_exits_as_get_out_does(serve, tmp_path):
    """The exit status follows one rule with or without an archive: a page that answered (a PDF
    is `not_html`) means the run finished; only pages that could not be fetched make it fail."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "paper.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n")
    site = serve(root)
    printed = run_blogarchive("get", site.url("/paper.pdf"), "--print", "-s", "DOWNLOAD_DELAY=0")
    stored = run_blogarchive("get", site.url("/paper.pdf"), "--out", str(tmp_path / "a"), "-s", "DOWNLOAD_DELAY=0")
    assert printed.returncode == stored.returncode == 0, (printed.stderr, stored.stdout)
    assert printed.stderr.strip() == f"blogarchive: {site.url('/paper.pdf')}: not_html (application/pdf)"


def test_a_table_folder_of_an_archive_is_not_a_new_archive(versioned_archive):
    out, _ = versioned_archive
    result = run_blogarchive("get", "http://127.0.0.1:9/", "--out", str(out / "pages"), timeout=60)
    one_line_error(result, f"is the pages folder of the archive at {out}")
    assert result.returncode == 2
    assert not (out / "pages" / "pages").exists()


def test_scrapys_remote_code_server_is_off():
    """Scrapy 2.19 opens a local HTTP port that runs the Python code sent to it."""
    from blogarchive.crawler.runner import project_settings

    assert not project_settings().getbool("REMOTE_CONTROL_ENABLED")


def test_intervals_must_be_more_than_zero_and_a_failed_report_write_is_a_failure(tmp_path):
    for args in (
        [
            "schedule",
            "http://blog.example/",
            "--out",
            str(tmp_path),
            "--broker",
            "redis://127.0.0.1:1/0",
            "--every",
            "0",
        ],
        ["worker", "--out", str(tmp_path), "--broker", "redis://127.0.0.1:1/0", "--visibility-timeout", "nan"],
    ):
        result = run_blogarchive(*args)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    from blogarchive.archive.writer import ArchiveWriter

    with ArchiveWriter(tmp_path / "a", "c1"):
        pass
    report = run_blogarchive("report", str(tmp_path / "a"), "-o", "/dev/full")
    assert report.returncode == 1 and "cannot write /dev/full" in report.stderr, report.stderr
