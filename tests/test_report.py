"""`blogarchive report`: one offline HTML file whose figures match what DuckDB reads from
the archive; opened in headless Chromium (file://, no network) it shows every chart.

The figure functions are checked against DuckDB on an archive written row by row (four
sites, three crawls, posts years apart, a page of thirty SEO keywords), then on a real
crawl of two runs; the drawings are checked for what the issue named: a time axis with
gaps, legends beside the plot, colours of the colour-blind safe palette, a table where a
chart of one crawl would be one bar."""

from __future__ import annotations

import os
import random
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from lxml import html as lxml_html

from blogarchive import archive
from blogarchive.archive.crawls import crawl_row
from blogarchive.archive.reader import latest_per_key
from blogarchive.archive.schema import FETCHES_SCHEMA
from blogarchive.archive.writer import ArchiveWriter
from blogarchive.report import (
    OTHER_COLOUR,
    PALETTE,
    SERIES,
    TAGS_PER_POST,
    changes_per_crawl,
    draw,
    extraction_coverage,
    outcomes_per_crawl,
    platforms,
    posts_per_month,
    posts_per_site,
    top_tags,
    words_per_site,
)

from .conftest import duck, page_row, run_blogarchive, screenshot

UTC = timezone.utc
#: (crawl id, start, seeds)
CRAWLS = [
    ("c1", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), ["https://a.example/", "https://b.example/", "https://c.example/"]),
    ("c2", datetime(2026, 2, 5, 9, 30, tzinfo=UTC), ["https://a.example/"]),
    ("c3", datetime(2026, 3, 5, 9, 30, tzinfo=UTC), ["https://a.example/", "https://b.example/"]),
]
SEO_TAGS = ["harbour", "boats", *(f"keyword {n}" for n in range(TAGS_PER_POST - 2)), "gulls", "tides"]


def fetch_row(**fields) -> dict:
    row = dict.fromkeys(FETCHES_SCHEMA.names)
    row.update(kind="page", status=200, **fields)
    return row


def write_report_archive(root: Path) -> None:
    """Four sites: a.example posts from 2014-09 to 2016-03 with months between without
    any, b.example in 2020, c.example's posts undated, authorless and untagged, d.example
    only an "other" page; one b.example post lists thirty keywords as tags. Crawl c2 finds
    two a.example posts changed and one new; c3 one b.example post changed, one not
    modified, five not requested."""
    rng = random.Random(7)
    posts = []
    for n in range(12):
        month = [(2014, 9), (2014, 10), (2014, 10), (2015, 2), (2016, 3)][n % 5]
        posts.append(("a.example", f"https://a.example/{n}", datetime(*month, 3 + n, tzinfo=UTC), "Ann", ["harbour"]))
    for n in range(6):
        tags = SEO_TAGS if n == 0 else ["gulls", "harbour"] if n < 3 else ["boats"]
        posts.append(("b.example", f"https://b.example/{n}", datetime(2020, 5, 1 + n, tzinfo=UTC), None, tags))
    for n in range(4):
        posts.append(("c.example", f"https://c.example/{n}", None, None, []))
    c1, c2, c3 = (start for _, start, _ in CRAWLS)

    def post(host, url, published, author, tags, at, words=None):
        words = words or rng.randint(50, 3000)
        return page_row(
            crawl_id=next(cid for cid, start, _ in CRAWLS[::-1] if start <= at),
            url=url,
            host=host,
            fetched_at=at,
            published=published,
            author=author,
            tags=tags,
            title=f"Title of {url}",
            language=None if host == "c.example" else "en",
            word_count=words,
            platform={"a.example": "wordpress", "b.example": "blogger"}.get(host),
            content_hash=f"{url}{at}",
        )

    with ArchiveWriter(root, "c1") as writer:
        writer.write_crawl(crawl_row("c1", "running", started_at=c1, seeds=CRAWLS[0][2], settings="{}"))
        for host, url, published, author, tags in posts:
            writer.write_page(post(host, url, published, author, tags, c1 + timedelta(minutes=1)))
            writer.write_fetch(fetch_row(url=url, host=host, crawl_id="c1", fetched_at=c1, outcome="stored"))
        writer.write_page(
            page_row(
                url="https://d.example/about", host="d.example", page_type="other", fetched_at=c1, content_hash="d"
            )
        )
        for n in range(2):
            url = f"https://b.example/gone{n}"
            writer.write_fetch(fetch_row(url=url, host="b.example", crawl_id="c1", fetched_at=c1, outcome="http_error"))
        writer.write_crawl(crawl_row("c1", "finished", started_at=c1, seeds=CRAWLS[0][2], settings="{}"))
    with ArchiveWriter(root, "c2") as writer:
        for host, url, published, author, tags in posts[:12]:
            if url.endswith(("/1", "/2")):
                writer.write_page(post(host, url, published, author, tags, c2 + timedelta(minutes=1)))
                writer.write_fetch(fetch_row(url=url, host=host, crawl_id="c2", fetched_at=c2, outcome="stored"))
            else:
                writer.write_fetch(fetch_row(url=url, host=host, crawl_id="c2", fetched_at=c2, outcome="unchanged"))
        new = ("a.example", "https://a.example/new", datetime(2016, 3, 20, tzinfo=UTC), "Ann", [])
        writer.write_page(post(*new, c2 + timedelta(minutes=2), words=20000))
        writer.write_fetch(fetch_row(url=new[1], host=new[0], crawl_id="c2", fetched_at=c2, outcome="stored"))
        writer.write_crawl(crawl_row("c2", "finished", started_at=c2, seeds=CRAWLS[1][2], settings="{}"))
    with ArchiveWriter(root, "c3") as writer:
        host, url, published, author, tags = posts[13]
        writer.write_page(post(host, url, published, author, tags, c3 + timedelta(minutes=1)))
        writer.write_fetch(fetch_row(url=url, host=host, crawl_id="c3", fetched_at=c3, outcome="stored"))
        other = posts[14][1]
        writer.write_fetch(fetch_row(url=other, host=host, crawl_id="c3", fetched_at=c3, outcome="not_modified"))
        writer.write_crawl(
            crawl_row("c3", "finished", started_at=c3, seeds=CRAWLS[2][2], settings="{}", skipped_recent=5)
        )


@pytest.fixture(scope="module")
def report_archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report") / "archive"
    write_report_archive(root)
    return root


def tables(root: Path):
    pages = archive.read_pages(root)
    return pages, latest_per_key(pages, "url", "fetched_at"), archive.read_fetches(root), archive.read_crawls(root)


#: the latest version of each page, as DuckDB picks it
LATEST = (
    "(SELECT url, arg_max(host, fetched_at) AS host, arg_max(page_type, fetched_at) AS page_type, "
    "arg_max(published, fetched_at) AS published, arg_max(word_count, fetched_at) AS word_count, "
    "arg_max(author, fetched_at) AS author, arg_max(language, fetched_at) AS language, "
    "arg_max(title, fetched_at) AS title, arg_max(tags, fetched_at) AS tags FROM pages GROUP BY url)"
)


def test_posts_per_site_and_month_match_duckdb(report_archive):
    _, latest, _, _ = tables(report_archive)
    sites = duck(
        report_archive,
        f"SELECT host, count(*), min(published)::DATE, max(published)::DATE FROM {LATEST} WHERE page_type = 'post' "
        "GROUP BY host ORDER BY count(*) DESC, host",
    )
    assert posts_per_site(latest).rows == [list(row) for row in sites]
    assert sites[0] == ("a.example", 13, date(2014, 9, 3), date(2016, 3, 20))
    assert sites[-1] == ("c.example", 4, None, None)  # posts, none dated
    assert "d.example" not in {row[0] for row in sites}  # it has no post

    chart = posts_per_month(latest)
    assert chart.columns == ["month", "a.example", "b.example"]  # c.example has no dated post
    counts = duck(
        report_archive,
        f"SELECT strftime(published, '%Y-%m'), host, count(*) FROM {LATEST} "
        "WHERE page_type = 'post' AND published IS NOT NULL GROUP BY ALL",
    )
    expected = {}
    for month, host, count in counts:
        expected.setdefault(month, [month, 0, 0])[chart.columns.index(host)] = count
    assert chart.rows == [expected[m] for m in sorted(expected)]
    assert [row[0] for row in chart.rows] == ["2014-09", "2014-10", "2015-02", "2016-03", "2020-05"]


def test_many_sites_are_the_busiest_and_the_others_together(tmp_path):
    with ArchiveWriter(tmp_path, "c1") as writer:
        for site in range(SERIES + 3):
            for n in range(site + 1):
                writer.write_page(
                    page_row(
                        url=f"https://s{site}.example/{n}",
                        host=f"s{site}.example",
                        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
                        published=datetime(2024, 1 + n % 12, 1, tzinfo=UTC),
                        content_hash=str(n),
                    )
                )
    chart = posts_per_month(archive.read_pages(tmp_path, latest=True))
    busiest = [f"s{site}.example" for site in range(SERIES + 2, 3, -1)]
    assert chart.columns == ["month", *busiest, "other sites"]
    assert len(chart.columns) - 1 == SERIES  # one colour each, the grey for the rest
    january = chart.rows[0]
    assert january[0] == "2024-01" and january[-1] == 4  # s0 to s3 have one January post each
    written = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/pages/*.parquet')").fetchall()[0][0]
    assert sum(sum(row[1:]) for row in chart.rows) == written


def test_words_per_site_are_duckdbs_quartiles(report_archive):
    _, latest, _, _ = tables(report_archive)
    rows = words_per_site(latest).rows
    query = (
        "SELECT count(*), min(word_count), quantile_cont(word_count, 0.25), quantile_cont(word_count, 0.5), "
        f"quantile_cont(word_count, 0.75), max(word_count) FROM {LATEST} WHERE page_type = 'post'"
    )
    expected = [("all sites", *duck(report_archive, query)[0])]
    expected += duck(report_archive, query.replace("SELECT", "SELECT host,", 1) + " GROUP BY host ORDER BY 2 DESC, 1")
    assert len(rows) == len(expected) == 4
    for row, want in zip(rows, expected):
        assert row[:2] == list(want[:2]) and row[2:] == pytest.approx(list(want[2:]))
    assert rows[1][0] == "a.example" and rows[1][-1] == 20000


def test_extraction_coverage_counts_posts_with_each_field(report_archive):
    _, latest, _, _ = tables(report_archive)
    chart = extraction_coverage(latest)
    assert chart.columns == ["site", "posts", "title", "author", "date", "language", "tags"]
    query = (
        "SELECT count(*), count(title), count(author), count(published), count(language), "
        f"count(*) FILTER (WHERE len(tags) > 0) FROM {LATEST} WHERE page_type = 'post'"
    )
    expected = [("all sites", *duck(report_archive, query)[0])]
    expected += duck(report_archive, query.replace("SELECT", "SELECT host,", 1) + " GROUP BY host ORDER BY 2 DESC, 1")
    assert chart.rows == [list(row) for row in expected]
    assert chart.rows[-1] == ["c.example", 4, 4, 0, 0, 0, 0]


def test_top_tags_counts_posts_of_tags_used_twice_and_caps_a_keyword_page(report_archive):
    _, latest, _, _ = tables(report_archive)
    rows = dict(top_tags(latest).rows)
    capped = duck(
        report_archive,
        "SELECT tag, count(*) FROM (SELECT DISTINCT url, lower(trim(unnest(tags))) AS tag FROM "
        f"{LATEST} WHERE page_type = 'post' AND len(tags) <= {TAGS_PER_POST}) GROUP BY tag",
    )
    seo = {t.casefold() for t in SEO_TAGS[:TAGS_PER_POST]}
    expected = {tag: count + (tag in seo) for tag, count in capped}
    assert rows == {tag: count for tag, count in expected.items() if count >= 2}
    assert rows["harbour"] == 12 + 1 + 2 and rows["boats"] == 3 + 1
    # "gulls" is the keyword page's eleventh tag: past the cap, so two posts, not three
    assert rows["gulls"] == 2
    assert not any(tag.startswith("keyword") for tag in rows)  # one page's keywords: once each


def test_per_crawl_figures_are_labelled_by_start_and_sites_and_match_duckdb(report_archive):
    pages, _, fetches, crawls = tables(report_archive)
    changes = changes_per_crawl(pages, fetches, crawls)
    assert [row[:3] for row in changes.rows] == [
        [CRAWLS[0][1], "a.example, b.example +1", "c1"],
        [CRAWLS[1][1], "a.example", "c2"],
        [CRAWLS[2][1], "a.example, b.example", "c3"],
    ]
    versions = dict(
        duck(
            report_archive,
            "SELECT crawl_id, [count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n > 1)] FROM "
            "(SELECT crawl_id, row_number() OVER (PARTITION BY url ORDER BY fetched_at) AS n FROM pages) GROUP BY 1",
        )
    )
    same = dict(
        duck(
            report_archive,
            "SELECT crawl_id, count(*) FROM fetches WHERE kind = 'page' AND outcome IN ('unchanged', 'not_modified') "
            "GROUP BY 1",
        )
    )
    skipped = dict(
        duck(
            report_archive,
            f"SELECT crawl_id, arg_max(skipped_dated + skipped_recent, recorded_at) "
            f"FROM read_parquet('{report_archive}/crawls/*.parquet') GROUP BY 1",
        )
    )
    assert [row[3:] for row in changes.rows] == [[*versions[c], same.get(c, 0), skipped[c]] for c in ("c1", "c2", "c3")]
    assert changes.rows[1][3:] == [1, 2, 10, 0] and changes.rows[2][3:] == [0, 1, 1, 5]

    outcomes = outcomes_per_crawl(fetches, crawls)
    counted = duck(report_archive, "SELECT crawl_id, outcome, count(*) FROM fetches GROUP BY ALL")
    assert {
        (row[2], name): value for row in outcomes.rows for name, value in zip(outcomes.columns[3:], row[3:]) if value
    } == {(crawl, outcome): count for crawl, outcome, count in counted}
    assert not changes.table_only and not outcomes.table_only


def test_the_drawings_show_time_keep_legends_beside_the_plot_and_use_the_palette(report_archive):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    _, latest, fetches, crawls = tables(report_archive)
    chart = posts_per_month(latest)
    figure, axes = plt.subplots()
    draw(chart, axes)
    series = [c for c in axes.containers]
    assert len(series) == 2  # a.example, b.example
    colours = {matplotlib.colors.to_hex(bars.patches[0].get_facecolor()).upper() for bars in series}
    assert colours == {PALETTE[0].upper(), PALETTE[1].upper()}
    centres = sorted({mdates.num2date(p.get_x() + p.get_width() / 2).strftime("%Y-%m") for p in series[0].patches})
    days = [mdates.num2date(p.get_x()) for p in series[0].patches]
    # months on a time axis: 2015-02 stands four months after 2014-10, not next to it
    assert centres == ["2014-09", "2014-10", "2015-02", "2016-03", "2020-05"]
    assert 115 < (days[2] - days[1]).days < 125 and 25 < (days[1] - days[0]).days < 35
    figure.canvas.draw()
    legend = axes.get_legend().get_window_extent()
    plot = axes.get_window_extent()
    assert legend.x0 >= plot.x1  # beside the plot, not over it
    plt.close(figure)

    outcomes = outcomes_per_crawl(fetches, crawls)
    figure, axes = plt.subplots()
    draw(outcomes, axes)
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert labels[::-1] == [
        "2026-01-05 09:30 · a.example, b.example +1",
        "2026-02-05 09:30 · a.example",
        "2026-03-05 09:30 · a.example, b.example",
    ]
    fills = {matplotlib.colors.to_hex(b.patches[0].get_facecolor()).upper() for b in axes.containers}
    assert len(fills) == len(axes.containers) and fills <= {c.upper() for c in [*PALETTE, OTHER_COLOUR]}
    plt.close(figure)


def figures(document, key: str) -> list[list[str]]:
    table = document.cssselect(f'table[data-chart="{key}"]')[0]
    return [[cell.text_content() for cell in row.cssselect("td")] for row in table.cssselect("tr")[1:]]


CHARTS = [
    "posts-per-site",
    "posts-per-month",
    "words-per-site",
    "extraction-coverage",
    "top-tags",
    "platforms",
    "changes-per-crawl",
    "outcomes-per-crawl",
]


def test_report_is_one_offline_file_whose_figures_match_a_crawled_archive(versioned_archive, tmp_path):
    out, _ = versioned_archive
    target = tmp_path / "report.html"
    result = run_blogarchive("report", str(out), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"report -> {target}")
    text = target.read_text(encoding="utf-8")
    document = lxml_html.fromstring(text)
    assert [s.get("id") for s in document.cssselect("section")] == CHARTS
    assert len(document.cssselect("section svg")) == len(CHARTS)
    assert not document.cssselect("script")  # no code at all
    for element in document.iter():  # nothing loaded from anywhere
        for name in ("src", "href", "{http://www.w3.org/1999/xlink}href"):
            value = element.get(name)
            assert value is None or value.startswith("#") or value.startswith("data:"), (element.tag, value)
    assert not re.search(r"url\((?!#)", text)

    crawl_ids = [  # oldest first, as the report lists them
        c
        for (c,) in duck(
            out, f"SELECT crawl_id FROM read_parquet('{out}/crawls/*.parquet') GROUP BY 1 ORDER BY min(started_at)"
        )
    ]
    stored = dict(
        duck(out, "SELECT crawl_id, count(*) FROM fetches WHERE kind = 'page' AND outcome = 'stored' GROUP BY 1")
    )
    changes = figures(document, "changes-per-crawl")
    assert [row[2] for row in changes] == crawl_ids
    # the second crawl: the index and the second post changed, the third is new, the first did not change
    assert changes[1][3:5] == ["1", "2"] and int(changes[1][3]) + int(changes[1][4]) == stored[crawl_ids[1]]
    assert changes[1][5] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", changes[0][0])

    months = duck(
        out,
        f"SELECT strftime(published, '%Y-%m'), count(*) FROM {LATEST} "
        "WHERE page_type = 'post' AND published IS NOT NULL GROUP BY 1 ORDER BY 1",
    )
    assert figures(document, "posts-per-month") == [[m, str(n)] for m, n in months]
    assert dict(figures(document, "top-tags")) == {"harbour": "2"}  # "birds" is the tag of one post
    platforms = dict(figures(document, "platforms"))
    assert sum(int(v) for v in platforms.values()) == duck(out, "SELECT count(DISTINCT url) FROM pages")[0][0]
    facts = document.cssselect("#facts")[0].text_content()
    assert "Crawls2" in facts.replace(" ", "")


def test_report_opens_offline_in_a_browser(browser, report_archive, tmp_path):
    from selenium.webdriver.common.by import By

    target = tmp_path / "report.html"
    assert run_blogarchive("report", str(report_archive), "-o", str(target)).returncode == 0
    browser.get(target.as_uri())
    sections = browser.find_elements(By.CSS_SELECTOR, "section")
    assert [s.get_attribute("id") for s in sections] == CHARTS
    for section in sections:  # each chart is drawn: an SVG with a real size on the page
        svg = section.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 300 and svg.size["height"] > 80, section.get_attribute("id")
    screenshot(browser, "report.png", tmp_path, max_height=3300)


def test_one_crawl_gets_tables_not_single_bars(browser, tmp_path):
    from selenium.webdriver.common.by import By

    root = tmp_path / "archive"
    started = datetime(2026, 1, 1, tzinfo=UTC)
    with ArchiveWriter(root, "only") as writer:
        writer.write_crawl(
            crawl_row("only", "finished", started_at=started, seeds=["https://a.example/"], settings="{}")
        )
        writer.write_page(
            page_row(url="https://a.example/1", host="a.example", crawl_id="only", fetched_at=started, content_hash="x")
        )
        writer.write_fetch(
            fetch_row(
                url="https://a.example/1", host="a.example", crawl_id="only", fetched_at=started, outcome="stored"
            )
        )
    target = tmp_path / "report.html"
    assert run_blogarchive("report", str(root), "-o", str(target)).returncode == 0
    browser.get(target.as_uri())
    for key in ("changes-per-crawl", "outcomes-per-crawl"):
        section = browser.find_element(By.ID, key)
        assert not section.find_elements(By.TAG_NAME, "svg")
        table = section.find_element(By.CSS_SELECTOR, f'table[data-chart="{key}"]')
        assert table.is_displayed()  # not folded away: it is the figure
        assert "2026-01-01 00:00" in table.text and "a.example" in table.text
    assert browser.find_element(By.ID, "platforms").find_elements(By.TAG_NAME, "svg")


def test_figures_of_an_empty_archive(tmp_path):
    with archive.ArchiveWriter(tmp_path, "c1"):
        pass
    pages = archive.read_pages(tmp_path)
    fetches = archive.read_fetches(tmp_path)
    crawls = archive.read_crawls(tmp_path)
    for chart in (
        posts_per_site(pages),
        posts_per_month(pages),
        words_per_site(pages),
        extraction_coverage(pages),
        top_tags(pages),
        platforms(pages),
        changes_per_crawl(pages, fetches, crawls),
        outcomes_per_crawl(fetches, crawls),
    ):
        assert chart.rows == [], chart.key
    result = run_blogarchive("report", str(tmp_path), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 0 and "Nothing to show" in (tmp_path / "r.html").read_text()
    assert run_blogarchive("report", str(tmp_path / "none"), "-o", str(tmp_path / "x.html")).returncode == 1
    assert not Path(tmp_path / "x.html").exists()
    assert os.path.getsize(tmp_path / "r.html") < 50_000


def test_posts_dated_year_1_and_9999_and_posts_of_no_words_are_reported(tmp_path):
    """Dates at the ends of the calendar (an extractor's bad guess) and empty posts draw
    without error: matplotlib's dates end at years 1 and 9999, and a log scale has no 0."""
    root = tmp_path / "archive"
    days = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)]
    with ArchiveWriter(root, "c1") as writer:
        for n, day in enumerate(days):
            writer.write_page(
                page_row(
                    url=f"https://a.example/{n}",
                    host="a.example",
                    fetched_at=days[2],
                    published=day,
                    word_count=n,
                    content_hash=str(n),
                )
            )
    target = tmp_path / "report.html"
    result = run_blogarchive("report", str(root), "-o", str(target))
    assert result.returncode == 0, result.stderr
    document = lxml_html.fromstring(target.read_text(encoding="utf-8"))
    assert figures(document, "posts-per-site") == [["a.example", "3", "0001-01-01", "9999-12-31"]]
    assert [row[0] for row in figures(document, "posts-per-month")] == ["0001-01", "2020-01", "9999-12"]
    assert figures(document, "words-per-site")[0] == ["all sites", "3", "0", "0.5", "1", "1.5", "2"]
    drawn = [svg.getparent().get("id") for svg in document.cssselect("section svg")]
    assert drawn == CHARTS[:4] + ["platforms"]  # no tags, no crawl: nothing to show there


def test_odd_crawl_rows_and_null_tags_are_reported_not_a_traceback(tmp_path):
    """Rows another tool (or a damaged writer) could leave: seeds that are not URLs or are
    null, tags that are null, crawls whose clock said year 1 or 9999. Long names are cut
    in the drawings, whole in the tables."""
    root = tmp_path / "archive"
    long_host = ("a" * 60 + ".") * 4 + "example"
    starts = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)]
    for n, start in enumerate(starts):
        crawl = f"c{n}"
        with ArchiveWriter(root, crawl) as writer:
            seeds = ["http://[::1", None, f"https://{long_host}/"]
            writer.write_crawl(crawl_row(crawl, "finished", started_at=start, seeds=seeds, settings="{}"))
            url = f"https://{long_host}/{n}"
            writer.write_page(
                page_row(url=url, host=long_host, crawl_id=crawl, fetched_at=start, tags=[None, "t"], content_hash=url)
            )
            writer.write_fetch(fetch_row(url=url, host=long_host, crawl_id=crawl, fetched_at=start, outcome="stored"))
    target = tmp_path / "report.html"
    result = run_blogarchive("report", str(root), "-o", str(target))
    assert result.returncode == 0, result.stderr
    document = lxml_html.fromstring(target.read_text(encoding="utf-8"))
    changes = figures(document, "changes-per-crawl")
    assert [row[:2] for row in changes] == [
        ["0001-01-01 00:00", f"http://[::1, {long_host}"],
        ["9999-12-31 00:00", f"http://[::1, {long_host}"],
    ]
    assert dict(figures(document, "top-tags")) == {"t": "2"}
    assert figures(document, "posts-per-site")[0][0] == long_host
    svg = document.cssselect("#words-per-site svg")[0]
    assert long_host not in lxml_html.tostring(svg, encoding="unicode")  # cut to fit the chart


def test_crawls_the_crawls_table_does_not_know_are_listed_by_id_and_not_drawn_on_time(tmp_path):
    root = tmp_path / "archive"
    for crawl in ("x1", "x2"):  # pages and fetches, and no `crawls` rows (their files lost)
        with ArchiveWriter(root, crawl) as writer:
            url = f"https://a.example/{crawl}"
            at = datetime(2026, 1, 1, tzinfo=UTC)
            writer.write_page(page_row(url=url, host="a.example", crawl_id=crawl, fetched_at=at, content_hash=crawl))
            writer.write_fetch(fetch_row(url=url, host="a.example", crawl_id=crawl, fetched_at=at, outcome="stored"))
    target = tmp_path / "report.html"
    assert run_blogarchive("report", str(root), "-o", str(target)).returncode == 0
    document = lxml_html.fromstring(target.read_text(encoding="utf-8"))
    assert [row[:4] for row in figures(document, "changes-per-crawl")] == [["", "", "x1", "1"], ["", "", "x2", "1"]]
    section = document.cssselect("#changes-per-crawl")[0]
    assert not section.cssselect("svg") and "No crawl has a start time" in section.text_content()
