"""`blogarchive report`: one offline HTML file whose figures match what DuckDB reads from
the archive; opened in headless Chromium (file://, no network) it shows every chart."""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import html as lxml_html

from blogarchive import archive
from blogarchive.report import outcomes_per_crawl, pages_changed_per_crawl, posts_per_month, top_tags, words_per_post

from .conftest import duck, run_blogarchive, screenshot


def figures(document, key: str) -> list[list[str]]:
    table = document.cssselect(f'table[data-chart="{key}"]')[0]
    return [[cell.text_content() for cell in row.cssselect("td")] for row in table.cssselect("tr")[1:]]


def test_report_is_one_offline_file_whose_figures_match_the_archive(versioned_archive, tmp_path):
    out, _ = versioned_archive
    target = tmp_path / "report.html"
    result = run_blogarchive("report", str(out), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"report -> {target}")
    text = target.read_text(encoding="utf-8")
    document = lxml_html.fromstring(text)
    assert len(document.cssselect("section svg")) == 6
    assert not document.cssselect("script")  # no code at all
    for element in document.iter():  # nothing loaded from anywhere
        for name in ("src", "href", "{http://www.w3.org/1999/xlink}href"):
            value = element.get(name)
            assert value is None or value.startswith("#") or value.startswith("data:"), (element.tag, value)
    assert not re.search(r"url\((?!#)", text)

    crawl_ids = [c for (c,) in duck(out, "SELECT DISTINCT crawl_id FROM fetches ORDER BY crawl_id")]
    stored = dict(
        duck(out, "SELECT crawl_id, count(*) FROM fetches WHERE kind = 'page' AND outcome = 'stored' GROUP BY 1")
    )
    same = dict(
        duck(
            out,
            "SELECT crawl_id, count(*) FROM fetches WHERE kind = 'page' AND outcome IN ('unchanged', "
            "'not_modified') GROUP BY 1",
        )
    )
    assert figures(document, "pages-changed") == [[c, str(stored.get(c, 0)), str(same.get(c, 0))] for c in crawl_ids]
    assert stored[crawl_ids[1]] == 3 and same[crawl_ids[1]] == 1  # index, second and third changed; first did not

    months = duck(
        out,
        "SELECT strftime(published, '%Y-%m'), count(*) FROM (SELECT url, arg_max(published, fetched_at) "
        "AS published, arg_max(page_type, fetched_at) AS t FROM pages GROUP BY url) "
        "WHERE t = 'post' AND published IS NOT NULL GROUP BY 1 ORDER BY 1",
    )
    assert figures(document, "posts-per-month") == [[m, str(n)] for m, n in months]
    tags = dict(figures(document, "top-tags"))
    assert tags == {"harbour": "2", "birds": "1"}
    platforms = dict(figures(document, "platforms"))
    assert sum(int(v) for v in platforms.values()) == duck(out, "SELECT count(DISTINCT url) FROM pages")[0][0]
    facts = document.cssselect("#facts")[0].text_content()
    assert "Crawls2" in facts.replace(" ", "")


def test_report_opens_offline_in_a_browser(browser, versioned_archive, tmp_path):
    from selenium.webdriver.common.by import By

    out, _ = versioned_archive
    target = tmp_path / "report.html"
    assert run_blogarchive("report", str(out), "-o", str(target)).returncode == 0
    browser.get(target.as_uri())
    sections = browser.find_elements(By.CSS_SELECTOR, "section")
    assert len(sections) == 6
    for section in sections:  # each chart is drawn: an SVG with a real size on the page
        svg = section.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 300 and svg.size["height"] > 100
    screenshot(browser, "report.png", tmp_path, max_height=1500)


def test_figures_of_an_empty_archive_and_word_bins(tmp_path):
    with archive.ArchiveWriter(tmp_path, "c1"):
        pass
    pages = archive.read_pages(tmp_path)
    fetches = archive.read_fetches(tmp_path)
    crawls = archive.read_crawls(tmp_path)
    assert posts_per_month(pages).rows == [] and top_tags(pages).rows == []
    assert outcomes_per_crawl(fetches, crawls).rows == [] and pages_changed_per_crawl(fetches, crawls).rows == []
    assert all(row[1] == 0 for row in words_per_post(pages).rows)
    result = run_blogarchive("report", str(tmp_path), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 0 and "Nothing to show" in (tmp_path / "r.html").read_text()
    assert run_blogarchive("report", str(tmp_path / "none"), "-o", str(tmp_path / "x.html")).returncode == 1
    assert not Path(tmp_path / "x.html").exists()
    assert os.path.getsize(tmp_path / "r.html") < 50_000
