"""Shared test helpers: loopback site servers, the real command in a subprocess, archive readers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import settings as hypothesis_settings

from blogarchive.crawler.demo.server import Route, SiteServer

# CI explores the same examples on every run (a failing run does not land, so it must
# not fail by luck); elsewhere each run explores new ones
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BLOGARCHIVE = str(Path(sys.executable).with_name("blogarchive"))


@pytest.fixture
def serve() -> Iterator[Callable[..., SiteServer]]:
    """serve(folder, routes={...}) starts a site on 127.0.0.1; all stop after the test."""
    servers: list[SiteServer] = []

    def start(root: Path | str | None = None, routes: dict[str, Route] | None = None, **options: object) -> SiteServer:
        server = SiteServer(root, routes, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def write_site(root: Path, files: dict[str, str]) -> Path:
    """A folder of pages for SiteServer: {"post.html": html, ...}."""
    root.mkdir(parents=True, exist_ok=True)
    for name, html in files.items():
        (root / name).write_text(html, encoding="utf-8")
    return root


def command_env(**extra: str) -> dict[str, str]:
    """The environment of a command a test starts: the test's own, unbuffered, plus `extra`."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", **extra}


def run_blogarchive(*args: str, timeout: float = 180, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real `blogarchive` command, as a user runs it."""
    return subprocess.run(
        [BLOGARCHIVE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env=command_env(),
    )


def page_row(**fields) -> dict:
    """A `pages` row with every column: a post of one word, the given fields set."""
    from blogarchive.archive.schema import PAGES_SCHEMA

    row = dict.fromkeys(PAGES_SCHEMA.names)
    row.update(crawl_id="c1", status=200, page_type="post", text="words", word_count=1, html="<html></html>")
    row.update(categories=[], tags=[], comments=[], links=[])
    row.update(fields)
    return row


def duck(archive: Path, sql: str) -> list[tuple]:
    """Run `sql` with `pages` and `fetches` bound to the archive's Parquet files in DuckDB."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW pages AS SELECT * FROM read_parquet('{archive}/pages/*.parquet')")
    con.execute(f"CREATE VIEW fetches AS SELECT * FROM read_parquet('{archive}/fetches/*.parquet')")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_server(what: str, hint: str) -> None:
    """Fail (in CI, which installs the servers) or skip (elsewhere) a test whose server is missing."""
    if os.environ.get("BLOGARCHIVE_REQUIRE_SERVERS"):
        pytest.fail(f"{what} is not installed ({hint})")
    pytest.skip(f"{what} is not installed ({hint})")


@dataclass
class S3Store:
    """A bucket on a real S3-compatible server (moto in server mode) on loopback."""

    endpoint: str
    bucket: str
    fs: Any

    def uri(self, prefix: str) -> str:
        return f"s3://{self.bucket}/{prefix}"

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key under `prefix`, bucket name first, sorted."""
        from pyarrow import fs as pafs

        selector = pafs.FileSelector(f"{self.bucket}/{prefix}".rstrip("/"), recursive=True, allow_not_found=True)
        return sorted(i.path for i in self.fs.get_file_info(selector) if i.type == pafs.FileType.File)

    def table(self, prefix: str, table: str) -> Any:
        """Every Parquet file of `table` under `prefix` (any depth), read with pyarrow.dataset."""
        import pyarrow.dataset as ds

        files = [key for key in self.keys(prefix) if f"/{table}/" in key and key.endswith(".parquet")]
        return ds.dataset(files, filesystem=self.fs, format="parquet").to_table()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free loopback port; its endpoint URL."""
    binary = Path(sys.executable).with_name("moto_server")
    if not binary.exists():
        require_server("moto_server", "pip install 'moto[server]'; the test extra installs it")
    port = free_port()
    server = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> S3Store:
    """A new, empty bucket; the AWS variables every process started by the test inherits."""
    from pyarrow import fs as pafs

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "blogarchive-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "blogarchive-test")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    fs = pafs.S3FileSystem(
        endpoint_override=s3_server,
        region="us-east-1",
        allow_bucket_creation=True,
        access_key="blogarchive-test",
        secret_key="blogarchive-test",
    )
    bucket = f"archive-{uuid.uuid4().hex[:12]}"
    fs.create_dir(bucket)
    return S3Store(s3_server, bucket, fs)


_VERSIONED_POST = (
    "<html lang='en'><head><title>{title}</title><meta property='og:type' content='article'>"
    "<meta name='author' content='{author}'><meta property='article:published_time' content='{date}'>"
    "<meta property='article:tag' content='{tag}'></head><body><article><h1>{title}</h1>"
    "{body}</article></body></html>"
)


def versioned_post(title: str, topic: str, date: str, tag: str, author: str = "Mara Quill", script: str = "") -> str:
    body = "".join(
        f"<p>{topic} is what paragraph {n} is about, long enough a sentence to count as the main "
        f"text of the page for the extractor.</p>"
        for n in range(3)
    )
    return _VERSIONED_POST.format(title=title, author=author, date=date, tag=tag, body=body + script)


@pytest.fixture(scope="session")
def versioned_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An archive of two crawls of a small blog; between them one post changed (its new title
    has a colon and quotes) and one was added. (archive folder, the site's base URL)"""
    root = tmp_path_factory.mktemp("versioned-site")
    pages = {
        "index.html": "<html><body><main><h1>Notes</h1><ul><li><a href='/first'>First</a></li>"
        "<li><a href='/second'>Second</a></li></ul></main></body></html>",
        "first.html": versioned_post("Ferries at dawn", "The first ferry", "2024-03-02", "harbour"),
        "second.html": versioned_post(
            "Gulls",
            "The gulls of the fish market",
            "2024-04-10",
            "birds",
            script="<script>document.title='pwned'; window.parent.pwned = 1;</script>",
        ),
    }
    write_site(root, pages)
    out = tmp_path_factory.mktemp("versioned") / "archive"
    fast = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]
    with SiteServer(root, validators=True) as site:
        first = run_blogarchive("crawl", site.url("/"), "--out", str(out), *fast)
        assert first.returncode == 0, first.stderr
        write_site(
            root,
            {
                "index.html": pages["index.html"].replace("</ul>", "<li><a href='/third'>Third</a></li></ul>"),
                "second.html": versioned_post(
                    'Gulls: the "loud" ones',
                    "The gulls of the harbour wall",
                    "2024-04-10",
                    "birds",
                    script="<script>document.title='pwned'; window.parent.pwned = 1;</script>",
                ),
                "third.html": versioned_post(
                    "Nets", "Mending nets on the quay", "2024-05-20", "harbour", author="Ivo Brand"
                ),
            },
        )
        later = time.time() + 5
        for name in ("index.html", "second.html", "third.html"):
            os.utime(root / name, (later, later))
        second = run_blogarchive("crawl", site.url("/"), "--out", str(out), *fast)
        assert second.returncode == 0, second.stderr
        return out, site.url("")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Selenium through Debian's chromedriver."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        require_server(
            "chromium and chromium-driver", "apt-get install chromium chromium-driver; .ci/run installs them"
        )
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1200,900",
        "--disable-extensions",
        "--no-first-run",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def screenshot(driver: Any, name: str, tmp_path: Path, max_height: int = 900) -> None:
    """Save a PNG of the page (up to `max_height` pixels of it) in $BLOGARCHIVE_SCREENSHOTS,
    where the README's pictures come from, or in the test's own folder."""
    folder = Path(os.environ.get("BLOGARCHIVE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(max(height, 900), max_height))
    try:
        assert driver.save_screenshot(str(folder / name))
    finally:
        driver.set_window_size(1200, 900)


#: fixtures that start servers, crawls, browsers or other processes: a test that uses one is `slow`
SLOW_FIXTURES = frozenset(
    {
        "serve",
        "s3_server",
        "s3",
        "versioned_archive",
        "browser",
        "ui",
        "slow_site",
        "trouble",
        "demo",
        "redis_url",
        "redis_client",
        "hostile",
        "workplace",
    }
)


#: modules whose tests run the real command or crawl as a whole (each test starts a process)
SLOW_MODULES = frozenset(
    {
        "test_browse",
        "test_cli",
        "test_compaction",
        "test_crash",
        "test_crawl",
        "test_demo",
        "test_distributed",
        "test_hostile",
        "test_incremental",
        "test_language_model",
        "test_layering",
        "test_object_store",
        "test_readers",
        "test_safety",
        "test_scrapy_route",
        "test_scrapyd",
        "test_warc",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests `make test-fast` leaves out: those that use a slow fixture or are in a
    module of whole-command tests."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else ""
        if module in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
