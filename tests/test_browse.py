"""`blogarchive serve` in a real headless browser (Debian's Chromium, driven by Selenium):
follow the links from sites to a post, search, view a diff, and check that an archived
page's scripts cannot run in the UI. The real command serves a real two-crawl archive.

With BLOGARCHIVE_SCREENSHOTS=FOLDER the test saves the screenshots the README shows."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from blogarchive.archive.writer import ArchiveWriter
from blogarchive.web import create_app

from .conftest import ROOT, duck, page_row, run_blogarchive, screenshot, write_site


@contextmanager
def served(archive: Path) -> Iterator[str]:
    """`blogarchive serve` of `archive` on a free port; its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "blogarchive.cli", "serve", str(archive), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("serving "), server.stderr.read()
        yield line.split(" at ", 1)[1].split()[0].rstrip("/")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def ui(versioned_archive):
    """`blogarchive serve` of the versioned archive; its base URL."""
    with served(versioned_archive[0]) as base:
        yield base


def test_from_sites_to_a_post_its_versions_and_a_diff(browser, ui, versioned_archive, tmp_path):
    from selenium.webdriver.common.by import By

    out, base = versioned_archive
    browser.get(ui + "/")
    browser.find_element(By.LINK_TEXT, "127.0.0.1").click()
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#pages td:first-child a")]
    latest = duck(out, "SELECT arg_max(coalesce(title, url), fetched_at) FROM pages GROUP BY url")
    assert sorted(titles) == sorted(t for (t,) in latest)
    assert titles.index('Gulls: the "loud" ones') < titles.index("Notes")  # posts first

    browser.find_element(By.LINK_TEXT, 'Gulls: the "loud" ones').click()
    assert browser.find_element(By.ID, "title").text == 'Gulls: the "loud" ones'
    assert browser.find_element(By.ID, "author").text == "Mara Quill"
    assert "harbour wall" in browser.find_element(By.ID, "text").text
    assert browser.find_element(By.ID, "version").text.startswith("2 of 2")

    browser.find_element(By.CSS_SELECTOR, "#versions a.diff-link").click()
    removed = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#diff del")]
    added = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#diff ins")]
    assert any("fish market" in line for line in removed) and not any("fish market" in line for line in added)
    assert any("harbour wall" in line for line in added)
    assert "- # Gulls" in removed and '+ # Gulls: the "loud" ones' in added

    browser.find_element(By.LINK_TEXT, 'Gulls: the "loud" ones').click()
    browser.find_element(
        By.LINK_TEXT, browser.find_elements(By.CSS_SELECTOR, "#versions td:nth-child(2) a")[0].text
    ).click()
    assert browser.find_element(By.ID, "title").text == "Gulls"  # the first version, from the versions list


def test_search_over_titles_and_text(browser, ui, versioned_archive):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def search(words: str) -> list[str]:
        """Type `words` in the search box, press Enter, and read the results page once it has
        loaded: the old page's elements go stale, and while the new document replaces it
        Chromium may answer for a node that is no longer there, so the read is retried."""
        box = browser.find_element(By.NAME, "q")
        box.clear()
        box.send_keys(words, Keys.ENTER)

        def left(_) -> bool:  # the old page is gone: its box is stale, or Chromium no longer finds its node
            try:
                box.is_enabled()
            except WebDriverException:
                return True
            return False

        WebDriverWait(browser, 10).until(left)

        def results(b) -> tuple[list[str]] | None:
            try:
                if b.find_element(By.NAME, "q").get_attribute("value") != words or not b.find_elements(By.ID, "count"):
                    return None
                return ([a.text for a in b.find_elements(By.CSS_SELECTOR, "#results > li > a")],)
            except WebDriverException:  # the document changed under the read: read again
                return None

        return WebDriverWait(browser, 10).until(results)[0]

    browser.get(ui + "/")
    assert search("MENDING nets") == ["Nets"]  # in the text, any case
    assert search("loud") == ['Gulls: the "loud" ones']  # only in the latest title of a page
    assert search("fish market") == []  # only in an older version: the search reads the latest
    assert browser.find_element(By.ID, "count").text.startswith("0 pages")


def test_an_archived_pages_scripts_do_not_run(browser, ui, versioned_archive):
    from selenium.webdriver.common.by import By

    _, base = versioned_archive
    browser.get(ui + "/")
    browser.find_element(By.LINK_TEXT, "127.0.0.1").click()
    browser.find_element(By.LINK_TEXT, 'Gulls: the "loud" ones').click()
    frame = browser.find_element(By.ID, "raw")
    assert frame.get_attribute("sandbox") == ""  # the strictest sandbox: no scripts, no same origin
    browser.switch_to.frame(frame)
    assert browser.find_element(By.TAG_NAME, "h1").text == 'Gulls: the "loud" ones'  # the capture is shown...
    assert browser.execute_script("return document.title") == 'Gulls: the "loud" ones'  # ...its script did not run
    browser.switch_to.default_content()
    assert browser.execute_script("return window.pwned === undefined")
    assert browser.title.endswith("· blogarchive")

    browser.get(browser.find_element(By.ID, "raw-link").get_attribute("href"))  # the capture opened on its own
    assert browser.find_element(By.TAG_NAME, "h1").text == 'Gulls: the "loud" ones'
    assert browser.title == 'Gulls: the "loud" ones'  # the policy's sandbox held: no script ran


def test_page_values_are_escaped_and_unknown_pages_are_404(tmp_path):
    """Flask's own client is enough here: what is checked is the HTML the templates produce."""
    from datetime import datetime, timezone

    from blogarchive.archive.schema import PAGES_SCHEMA

    row = {name: None for name in PAGES_SCHEMA.names}
    row.update(
        url="https://x.example/p",
        host="x.example",
        crawl_id="c1",
        fetched_at=datetime.now(timezone.utc),
        status=200,
        page_type="post",
        title="<script>alert(1)</script>",
        author="<b>bold</b>",
        categories=[],
        tags=["<i>t</i>"],
        text="<img src=x onerror=alert(1)>",
        comments=[],
        word_count=1,
        content_hash="h",
        links=[],
        html="<html></html>",
    )
    with ArchiveWriter(tmp_path, "c1") as writer:
        writer.write_page(row)
    client = create_app(tmp_path).test_client()
    page = client.get("/page", query_string={"url": "https://x.example/p"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "<img src=x" not in html and "<i>t</i>" not in html
    assert (
        "script-src" not in page.headers["Content-Security-Policy"]
        and "default-src 'none'" in page.headers["Content-Security-Policy"]
    )
    assert client.get("/page", query_string={"url": "https://x.example/missing"}).status_code == 404
    assert client.get("/site/nowhere.example").status_code == 404


def test_the_ui_shows_what_a_crawl_commits_while_it_runs(tmp_path):
    """The view is rebuilt when the set of committed files changes: no restart needed."""
    from datetime import datetime, timezone

    from blogarchive.archive.schema import PAGES_SCHEMA

    def page(host: str, title: str) -> dict:
        row = {name: None for name in PAGES_SCHEMA.names}
        row.update(
            url=f"https://{host}/p",
            host=host,
            crawl_id="c1",
            fetched_at=datetime.now(timezone.utc),
            status=200,
            page_type="post",
            title=title,
            categories=[],
            tags=[],
            text=f"{title} text",
            comments=[],
            word_count=2,
            content_hash=title,
            links=[],
            html="<html></html>",
        )
        return row

    writer = ArchiveWriter(tmp_path, "c1", flush_rows=1)
    writer.open()
    writer.write_page(page("one.example", "First"))
    client = create_app(tmp_path).test_client()
    assert "one.example" in client.get("/").get_data(as_text=True)
    assert "two.example" not in client.get("/").get_data(as_text=True)
    writer.write_page(page("two.example", "Second"))  # a crawl commits another file
    assert "two.example" in client.get("/").get_data(as_text=True)
    assert "Second" in client.get("/search", query_string={"q": "second"}).get_data(as_text=True)
    writer.close()


def test_serve_answers_only_to_its_own_host_names(ui):
    """DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own name as the
    Host header. `serve` answers such a request 421 with nothing of the archive, and
    answers 127.0.0.1, localhost and [::1] as before."""
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(ui)
    for host, status in (
        ("evil.example", 421),
        (f"evil.example:{address.port}", 421),
        ("127.0.0.1.evil.example", 421),
        (f"127.0.0.1:{address.port}", 200),
        (f"localhost:{address.port}", 200),
        ("[::1]", 200),
    ):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        assert response.status == status, (host, response.status)
        assert ("127.0.0.1" in body and "<html" in body.lower()) if status == 200 else "<html" not in body.lower()


def test_a_version_the_page_does_not_have_is_a_clear_404(browser, ui, versioned_archive):
    """`?v=7` of a page of two versions used to show the nearest one with 200, as if asked for."""
    from urllib.parse import urlencode

    from selenium.webdriver.common.by import By

    out, _ = versioned_archive
    [(url,)] = duck(out, "SELECT url FROM pages WHERE url LIKE '%second%' GROUP BY url HAVING count(*) = 2")
    browser.get(ui + "/page?" + urlencode({"url": url, "v": 7}))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not in the archive"
    assert "holds 2 versions of this page (1 to 2), not version '7'" in browser.find_element(By.ID, "missing").text
    browser.find_element(By.ID, "latest").click()
    assert browser.find_element(By.ID, "version").text.startswith("2 of 2")


def test_every_version_number_outside_a_pages_range_is_404(tmp_path):
    from datetime import datetime, timedelta, timezone

    first = datetime(2024, 5, 1, tzinfo=timezone.utc)
    with ArchiveWriter(tmp_path, "c1") as writer:
        for n in range(2):
            writer.write_page(
                page_row(
                    url="https://x.example/p",
                    host="x.example",
                    fetched_at=first + timedelta(days=n),
                    title=f"Version {n + 1}",
                    text=f"text {n + 1}",
                    word_count=2,
                    content_hash=f"h{n}",
                    html=f"<html><body>raw {n + 1}</body></html>",
                )
            )
    client = create_app(tmp_path).test_client()
    url = "https://x.example/p"
    for route, name in (("/page", "v"), ("/raw", "v"), ("/diff", "a"), ("/diff", "b")):
        for value in ("0", "3", "-1", "x", "1e3", "99999999999999999999"):
            answer = client.get(route, query_string={"url": url, name: value})
            assert answer.status_code == 404, (route, name, value)
            assert "2 versions" in answer.get_data(as_text=True) or route == "/raw", (route, name, value)
    assert "Version 1" in client.get("/page", query_string={"url": url, "v": "1"}).get_data(as_text=True)
    assert "Version 2" in client.get("/page", query_string={"url": url}).get_data(as_text=True)  # the latest
    assert client.get("/raw", query_string={"url": url, "v": "1"}).get_data(as_text=True).count("raw 1") == 1
    assert client.get("/diff", query_string={"url": url, "a": "1", "b": "2"}).status_code == 200


def _write_site_archive(root, posts: int, host: str = "big.example") -> list[dict]:
    """An archive of one site: `posts` posts with titles and dates in no order, and one
    undated page that is not a post. The rows written."""
    from datetime import datetime, timedelta, timezone

    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    written = []
    with ArchiveWriter(root, "c1") as writer:
        for n in range(posts + 1):
            row = page_row(
                url=f"https://{host}/p{n}",
                host=host,
                fetched_at=start,
                page_type="post" if n < posts else "other",
                title=f"Post {(n * 37) % posts:04d}" if n < posts else "About",
                published=start + timedelta(days=(n * 53) % posts) if n < posts else None,
                content_hash=f"h{n}",
            )
            writer.write_page(row)
            written.append(row)
    return written


def test_a_sites_pages_come_a_hundred_at_a_time_in_either_order(tmp_path):
    import re

    rows = _write_site_archive(tmp_path, 230)
    client = create_app(tmp_path).test_client()

    def titles(**query) -> list[str]:
        answer = client.get("/site/big.example", query_string=query)
        assert answer.status_code == 200, query
        return re.findall(r'<td><a href="/page\?url=[^"]+">([^<]+)</a></td>', answer.get_data(as_text=True))

    posts = [r for r in rows if r["page_type"] == "post"]
    by_date = [r["title"] for r in sorted(posts, key=lambda r: r["published"], reverse=True)] + ["About"]
    assert titles() + titles(page=2) + titles(page=3) == by_date
    assert [len(titles(page=n)) for n in (1, 2, 3)] == [100, 100, 31]
    by_title = sorted(r["title"] for r in rows)
    assert titles(sort="title") + titles(sort="title", page=2) + titles(sort="title", page=3) == by_title
    page = client.get("/site/big.example", query_string={"page": 2}).get_data(as_text=True)
    assert "101–200 of 231 pages" in page and "page 2 of 3" in page
    for query in ({"page": 4}, {"page": 0}, {"page": "x"}, {"page": "²"}, {"page": "-1"}, {"sort": "size"}):
        assert client.get("/site/big.example", query_string=query).status_code == 404, query
    assert client.get("/site/nowhere.example").status_code == 404


def test_a_large_site_is_browsed_page_by_page_in_a_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _write_site_archive(tmp_path / "archive", 230)
    with served(tmp_path / "archive") as base:
        browser.get(base + "/")
        browser.find_element(By.LINK_TEXT, "big.example").click()

        def shown() -> list[str]:
            return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#pages td:first-child a")]

        first = shown()
        assert len(first) == 100 and browser.find_element(By.ID, "range").text.startswith("1–100 of 231 pages")
        browser.find_element(By.ID, "next").click()
        assert len(shown()) == 100 and not set(shown()) & set(first)
        browser.find_element(By.ID, "next").click()
        assert len(shown()) == 31 and shown()[-1] == "About" and not browser.find_elements(By.ID, "next")
        browser.find_element(By.ID, "sort-title").click()
        assert shown()[:2] == ["About", "Post 0000"]
        assert not browser.find_elements(By.ID, "previous")  # a new order starts at its first page


def test_search_highlights_matches_and_filters_by_date_in_a_browser(browser, ui, tmp_path):
    from urllib.parse import urlencode

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def results(**query) -> list[str]:
        browser.get(ui + "/search?" + urlencode(query))
        return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#results > li > a")]

    assert results(q="PARAGRAPH") == ["Ferries at dawn", 'Gulls: the "loud" ones', "Nets"]
    marks = browser.find_elements(By.CSS_SELECTOR, "#results .snippet mark")
    assert len(marks) == 3 and {m.text for m in marks} == {"paragraph"}  # the text's own case
    assert results(q="paragraph", **{"from": "2024-04-01"}) == ['Gulls: the "loud" ones', "Nets"]
    assert results(q="paragraph", **{"from": "2024-04-01", "to": "2024-04-10"}) == ['Gulls: the "loud" ones']
    assert browser.find_element(By.NAME, "from").get_attribute("value") == "2024-04-01"  # the form keeps them
    assert [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#results > li > a mark")] == []  # not in title
    assert results(q="loud") and browser.find_element(By.CSS_SELECTOR, "#results > li > a mark").text == "loud"
    results(q="harbour", **{"from": "2024-03-01"})
    screenshot(browser, "search.png", tmp_path, max_height=700)

    results(q="nets")  # the form: pick a site and submit it
    Select(browser.find_element(By.NAME, "site")).select_by_visible_text("127.0.0.1")
    browser.find_element(By.CSS_SELECTOR, "#filters button").click()
    WebDriverWait(browser, 10).until(lambda b: "site=127.0.0.1" in b.current_url)
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#results > li > a")] == ["Nets"]
    assert Select(browser.find_element(By.NAME, "site")).first_selected_option.text == "127.0.0.1"

    results(q="nets", to="10 April")
    assert "must be a date written YYYY-MM-DD" in browser.find_element(By.ID, "error").text


def test_search_filters_narrow_to_a_site_a_language_and_dates(tmp_path):
    import re
    from datetime import datetime, timezone

    from blogarchive.web.app import marked

    pages = [  # (host, language, published, title)
        ("a.example", "en", datetime(2023, 1, 5, tzinfo=timezone.utc), "Harbour one"),
        ("a.example", "de", datetime(2023, 6, 30, 23, 59, tzinfo=timezone.utc), "Hafen harbour zwei"),
        ("b.example", "en", datetime(2024, 2, 1, tzinfo=timezone.utc), "Harbour three"),
        ("b.example", None, None, "Harbour undated"),
    ]
    with ArchiveWriter(tmp_path, "c1") as writer:
        for n, (host, language, published, title) in enumerate(pages):
            writer.write_page(
                page_row(
                    url=f"https://{host}/{n}",
                    host=host,
                    fetched_at=datetime(2024, 3, 1, tzinfo=timezone.utc),
                    title=title,
                    published=published,
                    language=language,
                    text="The harbour at dawn.",
                    word_count=4,
                    content_hash=f"h{n}",
                )
            )
    client = create_app(tmp_path).test_client()

    def found(**query) -> list[str]:
        answer = client.get("/search", query_string=query)
        assert answer.status_code == 200, query
        return [
            re.sub("<[^>]+>", "", t)
            for t in re.findall(r'<li><a href="/page[^"]*">(.*?)</a>', answer.get_data(as_text=True))
        ]

    everything = sorted(title for *_, title in pages)
    assert found(q="harbour") == everything
    assert found(q="harbour", site="a.example") == ["Hafen harbour zwei", "Harbour one"]
    assert found(q="harbour", lang="de") == ["Hafen harbour zwei"]
    assert found(q="harbour", to="2023-06-30") == ["Hafen harbour zwei", "Harbour one"]  # the whole last day
    assert found(q="harbour", **{"from": "2023-07-01"}) == ["Harbour three"]  # the undated page is in no range
    assert found(site="b.example") == ["Harbour three", "Harbour undated"]  # filters alone list pages
    assert found(q="harbour", site="c.example") == []
    assert found(q="harbour", **{"from": "0001-01-01", "to": "9999-12-31"}) == everything[:-1]  # the extremes
    page = client.get("/search", query_string={"q": "harbour"}).get_data(as_text=True)
    assert "<mark>Harbour</mark> one" in page and "Hafen <mark>harbour</mark> zwei" in page
    for bad in ("2023-13-01", "yesterday", "2023-1-5x"):
        answer = client.get("/search", query_string={"q": "harbour", "from": bad})
        assert answer.status_code == 400 and "YYYY-MM-DD" in answer.get_data(as_text=True)
    assert marked("a<b>A", "a") == [("a", True), ("<b>", False), ("A", True)]
    assert marked("nothing", "") == [("nothing", False)]
    assert "<mark><b>" not in client.get("/search", query_string={"q": "<b>"}).get_data(as_text=True)


STRUCTURED_POST = """<html lang="en"><head><title>Rigging a dinghy</title>
<meta name="author" content="Mara Quill"><meta property="article:published_time" content="2024-06-01">
</head><body><header><a href="/">Harbour notes</a></header><article><h1>Rigging a dinghy</h1>
<p>Rigging a small boat takes an hour the first time and ten minutes once the hands know the knots.
This is how we do it at the club, from the mast to the last line.</p>
<h2>What you need</h2>
<ul><li>a mast and a boom</li><li>the mainsail, dry</li><li>two sheets of rope</li></ul>
<h2>Knots</h2>
<p>Three knots do almost everything on a dinghy, and the bowline is the first of them to learn.</p>
<blockquote><p>A bowline you cannot untie is not a bowline.</p></blockquote>
<table><tr><th>Knot</th><th>Use</th></tr><tr><td>bowline</td><td>a loop that holds</td></tr>
<tr><td>cleat hitch</td><td>the halyard</td></tr></table>
<h3>In code, for the club's quiz</h3>
<pre>knots = ["bowline", "cleat hitch"]
print(len(knots))</pre>
<p>Once rigged, check every line twice before you push off from the slipway.</p>
</article></body></html>"""


def test_a_posts_headings_lists_quotes_tables_and_code_show_as_such(browser, tmp_path):
    """Crawled over HTTP, stored with its `line_kinds`, shown by the UI as the page had them."""
    from selenium.webdriver.common.by import By

    from blogarchive.crawler.demo.server import SiteServer

    site = write_site(tmp_path / "site", {"rigging.html": STRUCTURED_POST})
    out = tmp_path / "archive"
    with SiteServer(site) as server:
        url = server.url("/rigging")
        fast = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]
        result = run_blogarchive("get", url, "--out", str(out), *fast)
        assert result.returncode == 0, result.stderr
    [(text, kinds)] = duck(out, "SELECT text, line_kinds FROM pages")
    lines = text.split("\n")
    assert len(kinds) == len(lines)
    assert [line for line, kind in zip(lines, kinds) if kind in ("h2", "h3")] == [
        "What you need",
        "Knots",
        "In code, for the club's quiz",
    ]
    with served(out) as base:
        browser.get(base + "/page?url=" + url)
        text = browser.find_element(By.ID, "text")
        headings = [h.text for h in text.find_elements(By.CSS_SELECTOR, "h2, h3")]
        assert headings == ["What you need", "Knots", "In code, for the club's quiz"]
        assert [li.text for li in text.find_elements(By.CSS_SELECTOR, "ul li")] == [
            "a mast and a boom",
            "the mainsail, dry",
            "two sheets of rope",
        ]
        assert text.find_element(By.TAG_NAME, "blockquote").text == "A bowline you cannot untie is not a bowline."
        assert [th.text for th in text.find_elements(By.CSS_SELECTOR, "table th")] == ["Knot", "Use"]
        assert len(text.find_elements(By.CSS_SELECTOR, "table tr")) == 3
        assert text.find_element(By.TAG_NAME, "pre").text == 'knots = ["bowline", "cleat hitch"]\nprint(len(knots))'
        paragraphs = text.find_elements(By.CSS_SELECTOR, ":scope > p")
        assert paragraphs[0].text.startswith("Rigging a small boat") and len(paragraphs) == 3
        # a heading looks like one: larger and bolder than the paragraphs
        heading = text.find_element(By.TAG_NAME, "h2")
        assert float(heading.value_of_css_property("font-size")[:-2]) > float(
            paragraphs[0].value_of_css_property("font-size")[:-2]
        )
        screenshot(browser, "post-view.png", tmp_path, max_height=1400)
