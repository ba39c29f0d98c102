"""Crawling into an existing archive: only what changed is fetched and stored, pages keep
their versions, deleted pages are `gone`. A loopback site that changes between runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from blogarchive import archive

from .conftest import duck, run_blogarchive, write_site

PARAGRAPH = (
    "{topic} is the subject of this post, and the sentence goes on long enough to be main text for the extractor."
)


def post(title: str, topic: str, extra: str = "") -> str:
    body = "".join(f"<p>{PARAGRAPH.format(topic=topic)} Paragraph {n}.</p>" for n in range(3))
    return (
        f"<html lang='en'><head><title>{title}</title><meta property='og:type' content='article'></head>"
        f"<body><article><h1>{title}</h1>{body}{extra}</article></body></html>"
    )


def index(*slugs: str) -> str:
    items = "".join(f"<li><a href='/{slug}'>{slug}</a></li>" for slug in slugs)
    return f"<html><body><main><h1>Home</h1><ul>{items}</ul></main></body></html>"


def outcomes(out: Path, crawl_id: str) -> dict[str, str]:
    rows = duck(out, f"SELECT url, outcome FROM fetches WHERE crawl_id = '{crawl_id}' AND kind = 'page'")
    return {url.split("/", 3)[3]: outcome for url, outcome in rows}


def crawl(site, out: Path, *extra: str):
    result = run_blogarchive(
        "crawl", site.url("/"), "--out", str(out), "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", *extra
    )
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.split()[1]
    return crawl_id, result


def touch_later(path: Path) -> None:
    """Give an edited file a modification time clearly after the previous crawl."""
    later = time.time() + 5
    os.utime(path, (later, later))


@pytest.mark.parametrize("validators", [True, False], ids=["etag", "no-etag"])
def test_changes_between_runs_become_versions_and_outcomes(serve, tmp_path, validators):
    root = write_site(
        tmp_path / "site",
        {
            "index.html": index("a", "b", "c"),
            "a.html": post("Post A", "Apples"),
            "b.html": post("Post B", "Bananas"),
            "c.html": post("Post C", "Cherries"),
        },
    )
    site = serve(root, validators=validators)
    out = tmp_path / "archive"
    first, _ = crawl(site, out)
    assert outcomes(out, first) == {"": "stored", "a": "stored", "b": "stored", "c": "stored"}

    # b is edited, c deleted (and no longer linked), d added
    (root / "b.html").write_text(post("Post B", "Blueberries"))
    (root / "c.html").unlink()
    (root / "d.html").write_text(post("Post D", "Dates"))
    (root / "index.html").write_text(index("a", "b", "d"))
    for name in ("b.html", "d.html", "index.html"):
        touch_later(root / name)
    second, _ = crawl(site, out)

    expected_same = "not_modified" if validators else "unchanged"
    assert outcomes(out, second) == {
        "": "stored",  # its links changed: a new version
        "a": expected_same,
        "b": "stored",  # edited: a new version
        "c": "gone",  # deleted, and found although nothing links to it any more
        "d": "stored",  # new
    }
    if validators:  # known pages were asked for conditionally, new ones plainly
        assert {"/", "/a", "/b", "/c"} <= set(site.conditional) and "/d" not in site.conditional

    # versions: one row per distinct text of a URL
    counts = dict(duck(out, "SELECT url, count(*) FROM pages GROUP BY url"))
    assert counts == {site.url("/"): 2, site.url("/a"): 1, site.url("/b"): 2, site.url("/c"): 1, site.url("/d"): 1}
    latest = {row["url"]: row["text"] for row in archive.read_pages(out, ["url", "text"], latest=True).to_pylist()}
    assert "Blueberries" in latest[site.url("/b")]
    history = archive.page_history(out, site.url("/b"), ["text", "crawl_id"]).to_pylist()
    assert [h["crawl_id"] for h in history] == [first, second]
    assert "Bananas" in history[0]["text"] and "Blueberries" in history[1]["text"]
    assert site.url("/c") in latest  # gone keeps its history

    # a third run with nothing changed stores nothing
    third, _ = crawl(site, out)
    assert set(outcomes(out, third).values()) <= {expected_same, "gone"}
    assert duck(out, f"SELECT count(*) FROM pages WHERE crawl_id = '{third}'") == [(0,)]

    shown = run_blogarchive("history", str(out), site.url("/b"))
    assert shown.returncode == 0
    assert shown.stdout.startswith(f"{site.url('/b')}: 2 versions\n")
    assert "stored 2" in shown.stdout


def test_sitemap_dates_spare_requests_for_unchanged_pages(serve, tmp_path):
    def sitemap(dates: dict[str, str]) -> str:
        urls = "".join(
            f"<url><loc>__BASE__/{slug}</loc><lastmod>{date}</lastmod></url>" for slug, date in dates.items()
        )
        return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'

    root = write_site(
        tmp_path / "site",
        {
            "index.html": index("a", "b"),
            "a.html": post("Post A", "Apples"),
            "b.html": post("Post B", "Bananas"),
            "sitemap.xml": sitemap({"a": "2020-01-01", "b": "2020-01-01"}),
        },
    )
    site = serve(root)
    out = tmp_path / "archive"
    crawl(site, out)
    (root / "b.html").write_text(post("Post B", "Blackberries"))
    (root / "sitemap.xml").write_text(sitemap({"a": "2020-01-01", "b": "2099-01-01"}))
    site.requests.clear()
    second, _ = crawl(site, out)
    paths = [path for path, _ in site.requests]
    assert "/a" not in paths  # its lastmod says it has not changed since it was captured
    assert paths.count("/b") == 1
    assert outcomes(out, second)["b"] == "stored"
    assert "a" not in outcomes(out, second)


def test_revisit_after_skips_recent_pages_without_dates(serve, tmp_path):
    root = write_site(tmp_path / "site", {"index.html": index("a"), "a.html": post("Post A", "Apples")})
    site = serve(root)
    out = tmp_path / "archive"
    crawl(site, out)
    site.requests.clear()
    second, _ = crawl(site, out, "--revisit-after", "1h")
    assert [p for p, _ in site.requests if p not in ("/robots.txt", "/sitemap.xml")] == []
    third, _ = crawl(site, out, "--revisit-after", "0")
    assert outcomes(out, third) == {"": "unchanged", "a": "unchanged"}


def test_crawls_table_and_stats(serve, tmp_path):
    root = write_site(tmp_path / "site", {"index.html": index("a"), "a.html": post("Post A", "Apples")})
    site = serve(root, validators=True)
    out = tmp_path / "archive"
    first, _ = crawl(site, out)
    second, _ = crawl(site, out)
    crawls = archive.read_crawls(out).to_pylist()
    assert [c["crawl_id"] for c in crawls] == [first, second]
    assert all(c["status"] == "finished" and c["finished_at"] >= c["started_at"] for c in crawls)
    assert dict(crawls[0]["counts"])["stored"] == 2
    assert dict(crawls[1]["counts"])["not_modified"] == 2
    assert crawls[0]["seeds"] == [site.url("/")]
    assert '"CRAWL_REVISIT_AFTER"' in crawls[0]["settings"]
    rows = duck(
        out, "SELECT crawl_id, status FROM read_parquet('" + str(out) + "/crawls/*.parquet') ORDER BY recorded_at"
    )
    assert [status for _, status in rows] == ["running", "finished", "running", "finished"]
    stats = run_blogarchive("stats", str(out))
    assert f"  {first}  finished" in stats.stdout and f"  {second}  finished" in stats.stdout
    assert "pages      2 (1 posts), 2 versions" in stats.stdout


def test_unreachable_site_is_a_failed_crawl(tmp_path):
    from .test_crawl import closed_port

    out = tmp_path / "archive"
    result = run_blogarchive("crawl", f"http://127.0.0.1:{closed_port()}/", "--out", str(out))
    assert result.returncode == 1
    assert " failed: " in result.stdout and "the site answered none of the crawl's requests" in result.stdout
    assert archive.read_crawls(out)["status"].to_pylist() == ["failed"]


def _dated_sitemap(dates: dict[str, str]) -> str:
    urls = "".join(f"<url><loc>__BASE__/{slug}</loc><lastmod>{date}</lastmod></url>" for slug, date in dates.items())
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


@pytest.mark.parametrize("how", ["sitemap-dates", "revisit-after", "all-304"])
def test_a_recrawl_that_finds_nothing_new_has_finished(serve, tmp_path, how):
    """The nightly case: every known page is vouched for (by its sitemap date, its age or a
    304) and the only pages fetched are broken links. That run finished: exit 0."""
    broken = "<p><a href='/missing-1'>old</a> <a href='/missing-2'>older</a></p>"
    files = {
        "index.html": index("a", "b"),
        "a.html": post("Post A", "Apples", broken),
        "b.html": post("Post B", "Bananas", broken),
    }
    if how == "sitemap-dates":
        files["sitemap.xml"] = _dated_sitemap({"": "2020-01-01", "a": "2020-01-01", "b": "2020-01-01"})
    site = serve(write_site(tmp_path / "site", files), validators=how == "all-304")
    out = tmp_path / "archive"
    crawl(site, out)
    extra = ["--revisit-after", "1h"] if how == "revisit-after" else []
    result = run_blogarchive(
        "crawl", site.url("/"), "--out", str(out), "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", *extra
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " finished: " in result.stdout and "http_error" in result.stdout
    row = archive.read_crawls(out).to_pylist()[-1]
    assert row["status"] == "finished"
    if how == "sitemap-dates":
        assert row["skipped_dated"] == 3 and row["skipped_recent"] == 0
        assert "skipped as unchanged by date 3" in result.stdout
    elif how == "revisit-after":
        assert row["skipped_recent"] == 3 and row["skipped_dated"] == 0
        assert "skipped as recent 3" in result.stdout
    else:
        assert dict(row["counts"])["not_modified"] == 3 and row["skipped_dated"] == row["skipped_recent"] == 0
    # `stats` says of the crawl what its summary line said
    stats = run_blogarchive("stats", str(out)).stdout
    crawl_line = next(line for line in stats.splitlines() if row["crawl_id"] in line)
    skipped = {"sitemap-dates": "skipped as unchanged by date 3", "revisit-after": "skipped as recent 3"}.get(how)
    assert (skipped in crawl_line) if skipped else "skipped" not in crawl_line, crawl_line


def test_a_crawl_that_robots_txt_denies_entirely_has_failed_and_says_why(serve, tmp_path):
    root = write_site(
        tmp_path / "site",
        {"index.html": index("a"), "a.html": post("Post A", "Apples"), "robots.txt": "User-agent: *\nDisallow: /\n"},
    )
    site = serve(root)
    out = tmp_path / "archive"
    result = run_blogarchive("crawl", site.url("/"), "--out", str(out))
    assert result.returncode == 1
    assert (
        " failed: " in result.stdout
        and "robots_denied 1" in result.stdout
        and "robots.txt denies every page" in result.stdout
    )
    row = archive.read_crawls(out).to_pylist()[-1]
    assert row["status"] == "failed" and "robots.txt" in row["reason"]


def test_final_status_is_decided_by_what_the_crawl_reached():
    from blogarchive.archive.outcomes import final_status

    assert final_status({"http_error": 12}, skipped=3)[0] == "finished"
    assert final_status({"http_error": 12}) == ("failed", "no page could be fetched")
    assert final_status({"not_modified": 4}) == ("finished", "finished")
    assert final_status({}) == ("finished", "finished")
    assert final_status({"robots_denied": 2})[1].startswith("robots.txt denies every page")
    assert final_status({"robots_denied": 2, "fetch_error": 1}) == ("failed", "no page could be fetched")
    assert final_status({"stored": 1}, failure="disk full") == ("failed", "disk full")
    assert final_status({"stored": 1}, finish_reason="shutdown")[0] == "interrupted"
    # vouched-for pages do not make a crawl of a site that answered nothing a success
    down = final_status({}, skipped=6, outcomes={"fetch_error": 2})
    assert down[0] == "failed" and "answered none" in down[1]
    assert final_status({}, skipped=6, outcomes={"fetch_error": 1, "discovered": 1})[0] == "finished"
    # every URL, or the redirect it answered with, refused by the crawl's rules: no site failed it
    refused = final_status({"blocked": 1}, outcomes={"blocked": 1, "trap": 1})
    assert refused == ("failed", "the crawl's rules refused every URL, or where it redirected (blocked, trap)")
    assert "answered none" in final_status({"blocked": 1}, outcomes={"blocked": 1, "timeout": 1})[1]


def test_a_recrawl_of_a_site_that_is_down_has_failed_even_when_its_pages_were_recent(tmp_path):
    from blogarchive.crawler.demo.server import SiteServer

    root = write_site(tmp_path / "site", {"index.html": index("a"), "a.html": post("Post A", "Apples")})
    out = tmp_path / "archive"
    with SiteServer(root) as site:
        crawl(site, out)
    # the same site, now down: its known pages are younger than --revisit-after, and every
    # request the crawl makes (robots.txt, sitemap.xml) is refused
    result = run_blogarchive("crawl", site.url("/"), "--out", str(out), "--revisit-after", "1d")
    assert result.returncode == 1, result.stdout
    assert "skipped as recent 2" in result.stdout and "the site answered none" in result.stdout


def test_a_crawl_of_another_port_of_the_same_host_leaves_the_first_sites_pages_alone(serve, tmp_path):
    """Two sites on one machine (127.0.0.1:A and :B) in one archive: the second's crawl
    re-checks its own known pages, never the first's (they are another server's)."""
    first = serve(write_site(tmp_path / "one", {"index.html": index("a"), "a.html": post("A", "Ferries")}))
    second = serve(write_site(tmp_path / "two", {"index.html": index("b"), "b.html": post("B", "Gulls")}))
    out = tmp_path / "archive"
    crawl(first, out)
    crawl(second, out)
    before = len(first.requests)
    crawl(second, out)  # the archive now knows both sites' pages
    assert len(first.requests) == before
    blocked = duck(out, "SELECT count(*) FROM fetches WHERE outcome = 'blocked'")[0][0]
    assert blocked == 0
