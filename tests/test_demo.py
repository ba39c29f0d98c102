"""`blogarchive demo`: the bundled blog, crawled for real, read back with pyarrow, DuckDB,
pandas and polars. The Wix post is the page that started the project."""

from __future__ import annotations

import json
import re

import pandas as pd
import polars as pl
import pytest

from blogarchive import archive
from blogarchive.crawler.demo import SITE_DIR

from .conftest import FIXTURES, duck, run_blogarchive

EXPECTED = json.loads((SITE_DIR / "EXPECTED.json").read_text())
SEED = (FIXTURES / "seed" / "naive-scrape-wix-post.txt").read_text()
WIX_PATH = "/post/world-worries-over-what-putin-and-kim-promises-each-other"


def seed_paragraphs() -> list[str]:
    """The eight article paragraphs of the naive scrape: from the first to the last sentence named."""
    lines = [line.strip() for line in SEED.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("On Wednesday, according to South Korean"))
    end = next(
        i for i, line in enumerate(lines) if line.endswith("further sanctions could be imposed on both nations.")
    )
    return lines[start : end + 1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo-archive"
    result = run_blogarchive("demo", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result


def page(out, path):
    pattern = "^http://[^/]+" + re.escape(path) + "$"
    rows = duck(out, f"SELECT * FROM pages WHERE regexp_matches(url, '{pattern}')")
    assert len(rows) == 1, f"{path}: {len(rows)} rows"
    columns = [f.name for f in archive.PAGES_SCHEMA]
    return dict(zip(columns, rows[0]))


def test_demo_prints_the_summary_and_the_duckdb_query(demo):
    out, result = demo
    assert re.search(r"^pages\s+\d+ \(\d+ posts\)", result.stdout, re.M)
    assert f"read_parquet('{out}/pages/*.parquet')" in result.stdout
    assert "wix" in result.stdout and "wordpress" in result.stdout and "blogger" in result.stdout


def test_the_query_the_demo_prints_runs_in_duckdb(demo):
    import duckdb

    out, result = demo
    query = re.search(r"^  (SELECT .*);$", result.stdout, re.M).group(1)
    rows = duckdb.sql(query).fetchall()
    assert len(rows) == archive.read_pages(out).num_rows


def test_wix_post_is_the_article_only(demo):
    out, _ = demo
    row = page(out, WIX_PATH)
    paragraphs = [p.strip() for p in row["text"].split("\n") if p.strip()]
    expected = seed_paragraphs()
    assert len(expected) == 8
    for paragraph in expected:
        assert paragraph in paragraphs
    for junk in ("top of page", "bottom of page", "Writer's picture", "views", "comments"):
        assert junk not in row["text"], junk
    assert row["author"] == "BS+"
    assert row["title"] == "World worries over what Putin and Kim Promises each other"
    assert row["platform"] == "wix" and row["page_type"] == "post"


@pytest.mark.parametrize("path", sorted(p for p, e in EXPECTED.items() if e.get("page_type") == "post"))
def test_each_demo_post_matches_what_its_page_shows(demo, path):
    out, _ = demo
    expected = EXPECTED[path]
    row = page(out, path)
    assert row["platform"] == expected["platform"]
    assert row["page_type"] == "post"
    assert row["title"] == expected["title"]
    assert row["author"] == expected["author"]
    assert row["published"].date().isoformat() == expected["published"]
    assert sorted(t.lower() for t in row["tags"]) == sorted(t.lower() for t in expected["tags"])
    text = " ".join(row["text"].split())
    before = row["text"][: row["text"].index(expected["first_paragraph_start"])].strip()
    assert "\n" not in before and len(before) <= 60  # at most a lead image's caption comes first
    assert text.endswith(" ".join(expected["last_paragraph_end"].split()))
    for junk in expected["boilerplate"]:
        assert junk not in row["text"], junk
    assert len(row["comments"]) == expected["comment_count"]
    assert row["language"] == "en"
    assert row["word_count"] == len(row["text"].split())


@pytest.mark.parametrize("path", sorted(p for p, e in EXPECTED.items() if e.get("page_type") != "post"))
def test_demo_listing_and_other_pages_are_typed(demo, path):
    out, _ = demo
    assert page(out, path)["page_type"] == EXPECTED[path]["page_type"]


def test_robots_disallowed_draft_is_recorded_not_fetched(demo):
    out, _ = demo
    assert duck(out, "SELECT outcome FROM fetches WHERE url LIKE '%/private/draft%'") == [("robots_denied",)]
    assert duck(out, "SELECT count(*) FROM pages WHERE url LIKE '%/private/%'") == [(0,)]


def test_sitemap_and_feed_were_read(demo):
    out, _ = demo
    kinds = dict(duck(out, "SELECT kind, count(*) FROM fetches WHERE outcome = 'discovered' GROUP BY kind"))
    assert kinds.get("sitemap", 0) >= 3  # the index and its two sitemaps
    assert kinds.get("feed", 0) >= 1 and kinds.get("robots") == 1


def test_pandas_and_polars_read_the_archive_as_it_is(demo):
    out, _ = demo
    frame = pd.read_parquet(out / "pages")
    assert len(frame) == archive.read_pages(out).num_rows
    assert str(frame["published"].dtype).startswith("datetime64") and "UTC" in str(frame["published"].dtype)
    polars_frame = pl.read_parquet(f"{out}/pages/*.parquet")
    assert polars_frame.height == len(frame)
    assert set(polars_frame["platform"].drop_nulls().unique()) >= {"wix", "wordpress", "blogger"}


def test_running_the_demo_again_is_an_incremental_crawl_of_the_same_urls_whatever_port_serves_it(tmp_path):
    """The demo's URLs do not depend on the port its server got: a second run into the same
    folder, with the port the demo once preferred taken, finds every page again unchanged."""
    import socket

    from blogarchive.cli.crawl import DEMO_URL

    out = tmp_path / "demo-archive"
    first = run_blogarchive("demo", "--out", str(out))
    assert first.returncode == 0, first.stderr
    with socket.socket() as taken:
        try:
            taken.bind(("127.0.0.1", 48123))  # the fixed port of earlier versions
            taken.listen()
        except OSError:
            pass  # taken already
        second = run_blogarchive("demo", "--out", str(out))
    assert second.returncode == 0, second.stderr
    crawls = archive.read_crawls(out).to_pylist()
    rows = duck(out, f"SELECT url, outcome FROM fetches WHERE crawl_id = '{crawls[-1]['crawl_id']}' AND kind = 'page'")
    outcomes = [outcome for _, outcome in rows]
    assert not {"duplicate", "gone", "fetch_error", "stored"} & set(outcomes), outcomes
    assert outcomes.count("not_modified") + crawls[-1]["skipped_dated"] >= 20
    urls = [url for (url,) in duck(out, "SELECT DISTINCT url FROM fetches UNION SELECT DISTINCT url FROM pages")]
    assert all(url.startswith(DEMO_URL + "/") for url in urls), [u for u in urls if not u.startswith(DEMO_URL)]


def test_the_commands_the_demo_prints_work_pasted_into_a_new_shell(tmp_path):
    """As after `make demo`: the environment is not active, so `blogarchive` alone is not on PATH."""
    import subprocess

    from .conftest import BLOGARCHIVE, ROOT

    bare = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)}
    demo = subprocess.run(
        [BLOGARCHIVE, "demo", "--out", "demo-archive"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=bare,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    seen = demo.stdout.split("see it:\n", 1)[1].splitlines()
    report = next(line.split("   ")[0].strip() for line in seen if " report " in line)
    assert not report.startswith("blogarchive "), report  # not on this PATH: the path to it
    pasted = subprocess.run(["bash", "-c", report], capture_output=True, text=True, cwd=tmp_path, env=bare, timeout=300)
    assert pasted.returncode == 0, (report, pasted.stderr)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    serve = next(line.split("   ")[0].strip() for line in seen if " serve " in line)
    program = serve.split(" serve ")[0]
    check = subprocess.run(
        ["bash", "-c", f"{program} serve --help"], capture_output=True, text=True, cwd=tmp_path, env=bare, timeout=60
    )
    assert check.returncode == 0 and "usage: blogarchive serve" in check.stdout
    # from the project folder, as `make demo` runs it, the printed path is the short one
    relative = subprocess.run(
        [".venv/bin/blogarchive", "demo", "--out", str(tmp_path / "again")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=bare,
        timeout=300,
    )
    assert relative.returncode == 0, relative.stderr
    assert ".venv/bin/blogarchive report " in relative.stdout
