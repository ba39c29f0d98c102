"""One import root, layers that import only downward, and a wheel that holds only `blogarchive/`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import write_site

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_archive_and_the_command_line_import_without_scrapy_or_twisted(tmp_path):
    code = (
        "import sys, blogarchive.archive, blogarchive.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["archive", "crawler", "pipelines", "tests", "benchmarks"])
def test_no_generic_top_level_name_is_installed(tmp_path, name):
    result = run_python(f"import {name}", tmp_path)
    assert result.returncode != 0
    assert f"No module named '{name}'" in result.stderr


def test_the_readme_example_works_beside_a_folder_named_archive(tmp_path):
    """`--out archive` makes a folder named like a package; it must not hide ours."""
    from datetime import datetime, timezone

    from blogarchive.archive.writer import ArchiveWriter

    now = datetime(2024, 3, 1, tzinfo=timezone.utc)
    with ArchiveWriter(tmp_path / "archive", "c1") as writer:
        writer.write_page(
            {
                "url": "https://blog.example/p",
                "host": "blog.example",
                "crawl_id": "c1",
                "fetched_at": now,
                "status": 200,
                "page_type": "post",
                "title": "A post",
                "text": "words",
                "word_count": 1,
                "content_hash": "0" * 64,
                "html": "<p>words</p>",
            }
        )
    code = "from blogarchive.archive import read_pages; print(read_pages('archive')['title'].to_pylist())"
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['A post']"


def test_the_layers_import_only_downward():
    """The import-linter contract in pyproject.toml (archive <- pipelines <- crawler <- application)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_wheel_holds_only_the_blogarchive_package(tmp_path):
    source = tmp_path / "source"  # built from a copy: a build leaves build/ and *.egg-info behind
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "*.egg-info",
            "__pycache__",
            ".pytest_cache",
            ".mypy_cache",
            ".ruff_cache",
            "demo-archive",
        ),
    )
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("blogarchive-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"blogarchive", wheel.name.split("-py")[0] + ".dist-info"}, tops
    for expected in (
        "blogarchive/archive/schema.py",
        "blogarchive/pipelines/document.py",
        "blogarchive/crawler/spiders/blog.py",
        "blogarchive/cli/__init__.py",
        "blogarchive/web/templates/page.html",
        "blogarchive/crawler/demo/site/index.html",
    ):
        assert expected in names


#: what the [cluster] and [ui] extras install
EXTRAS = ("celery", "kombu", "redis", "flask", "werkzeug", "jinja2", "matplotlib")
WITHOUT_EXTRAS = (
    "import sys\n"
    f"for name in {EXTRAS!r}:\n"
    "    sys.modules[name] = None  # as if not installed: importing it fails\n"
    "from blogarchive.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


#: a page with one short post, titled "A post"
ONE_POST = (
    "<html><head><title>A post</title></head><body><article><h1>A post</h1>"
    + "<p>Words of a post that is long enough to be kept as the main text of the page.</p>" * 5
    + "</article></body></html>"
)


def test_the_core_install_crawls_and_reads_and_a_command_that_needs_an_extra_says_which(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", {"index.html": ONE_POST}))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", WITHOUT_EXTRAS, *args], capture_output=True, text=True, cwd=tmp_path, timeout=180
        )

    crawl = run("get", site.url("/"), "--out", "archive", "-s", "EXTRACTION_PROCESSES=0")
    assert crawl.returncode == 0, crawl.stderr
    assert "stored 1" in crawl.stdout
    export = run("export", "archive", "--format", "jsonl")
    assert export.returncode == 0 and '"title": "A post"' in export.stdout, export.stderr
    demo = run("demo", "--out", "demo-archive")  # its closing hints name the extra its report and serve need
    assert demo.returncode == 0, demo.stderr
    assert "pip install 'blogarchive[ui]'" in demo.stdout.split("see it:")[1]
    for args, extra in (
        (["serve", "archive", "--port", "0"], "ui"),
        (["report", "archive"], "ui"),
        (["status", "--broker", "redis://127.0.0.1:1/0"], "cluster"),
    ):
        result = run(*args)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"needs the [{extra}] extra" in result.stderr and f"blogarchive[{extra}]" in result.stderr


def test_a_script_crawls_into_an_archive_through_the_library_api(serve, tmp_path):
    """The README's "Crawling from Python": the API the command line and the workers use."""
    site = serve(write_site(tmp_path / "site", {"index.html": ONE_POST}))
    script = (
        "import sys\n"
        "from blogarchive.api import crawl_into\n"
        "from blogarchive.archive import read_pages\n"
        f"result = crawl_into('archive', [{site.url('/')!r}], follow=False,\n"
        "                     settings={'EXTRACTION_PROCESSES': 0, 'LOG_LEVEL': 'WARNING'})\n"
        "print(result.status, '|', result.line)\n"
        "print(read_pages('archive')['title'].to_pylist())\n"
    )
    result = run_python(script, tmp_path)
    assert result.returncode == 0, result.stderr
    status, line = result.stdout.splitlines()[0].split(" | ")
    assert status == "finished" and "stored 1" in line and line.endswith("-> archive")
    assert result.stdout.splitlines()[1] == "['A post']"


#: run `blogarchive get` in this process; print the modules loaded and the processes started
GET_PROBE = """
import json, multiprocessing, sys
from unittest import mock
from blogarchive.cli import main
started = []
real = multiprocessing.get_context
def counting(method=None):
    started.append(method)
    return real(method)
with mock.patch("blogarchive.pipelines.extraction.get_context", counting):
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "pools": started,
                  "loaded": sorted(m for m in ("pyarrow", "pandas", "aiohttp", "warcio") if m in sys.modules)}),
      file=sys.stderr)
"""


def probe_get(tmp_path: Path, *arguments: str) -> dict:
    import json

    result = subprocess.run(
        [sys.executable, "-c", GET_PROBE, "get", *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def test_one_page_to_stdout_loads_no_archive_library_and_starts_no_worker(serve, tmp_path):
    """`get URL --print`: no archive is written, so neither pyarrow (nor the pandas it would
    import) nor warcio loads; a handful of pages is extracted in the crawl process."""
    site = serve(
        write_site(tmp_path / "site", {"post.html": "<html><body><article><p>Words here.</p></article></body></html>"})
    )
    found = probe_get(tmp_path, site.url("/post.html"), "--print")
    assert found["status"] == 0
    assert found["loaded"] == []
    assert found["pools"] == []


def test_get_of_many_urls_extracts_in_worker_processes(serve, tmp_path):
    pages = {f"p{n}.html": f"<html><body><article><p>Post {n} words.</p></article></body></html>" for n in range(40)}
    site = serve(write_site(tmp_path / "site", pages))
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(site.url(f"/p{n}.html") + "\n" for n in range(40)))
    many = probe_get(tmp_path, "--input-file", str(urls), "--out", "a", "-s", "DOWNLOAD_DELAY=0")
    assert many["status"] == 0 and many["pools"] == ["spawn"]
    assert "pandas" not in many["loaded"]  # pyarrow was told it is not needed in a crawl
    few = probe_get(
        tmp_path,
        "--input-file",
        str(urls),
        "--out",
        "b",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "EXTRACTION_POOL_MIN_PAGES=41",
    )
    assert few["status"] == 0 and few["pools"] == []


def test_get_of_one_sitemap_of_many_pages_starts_workers_once_they_come(serve, tmp_path):
    """One URL given, but a sitemap's forty entries fetched: past EXTRACTION_POOL_MIN_PAGES
    pages extracted in the crawl process, the rest go to a pool."""
    pages = {f"p{n}.html": f"<html><body><article><p>Post {n} words.</p></article></body></html>" for n in range(40)}
    site = serve(write_site(tmp_path / "site", pages))
    entries = "".join(f"<url><loc>{site.url(f'/p{n}.html')}</loc></url>" for n in range(40))
    (tmp_path / "site" / "sitemap.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )
    found = probe_get(
        tmp_path, site.url("/sitemap.xml"), "--out", "a", "-s", "DOWNLOAD_DELAY=0", "-s", "EXTRACTION_POOL_MIN_PAGES=10"
    )
    assert found["status"] == 0 and found["pools"] == ["spawn"]
    from blogarchive.archive import read_fetches

    outcomes = read_fetches(tmp_path / "a")["outcome"].to_pylist()
    assert outcomes.count("stored") == 40
