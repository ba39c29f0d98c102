"""`blogarchive crawl` end to end: the real command, the real Scrapy engine, a real
HTTP server on loopback serving a site full of trouble. One crawl, many checks."""

from __future__ import annotations

import gzip
import re
import socket
import time

import pytest

from blogarchive import archive
from blogarchive.crawler.demo.server import send

from .conftest import FIXTURES, duck, run_blogarchive, write_site

SITE = FIXTURES / "sites" / "trouble"
GOOD_TEXT = "Rivers carve their valleys slowly"


def _base(handler) -> str:
    host, port = handler.server.server_address[:2]
    return f"http://{host}:{port}"


def gz_sitemap(handler):
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{_base(handler)}/from-sitemap-gz</loc></url></urlset>"
    )
    send(handler, 200, gzip.compress(xml.encode()), "application/x-gzip")


def redirect(to):
    return lambda handler: send(handler, 301, b"", None, {"Location": to})


def slow(handler):
    time.sleep(4)
    send(handler, 200, b"<html><body><p>too late</p></body></html>", "text/html")


def latin1(handler):
    text = (
        "<html><head><title>Café au lait</title></head><body><article><h1>Café au lait</h1>"
        "<p>Crème brûlée et café noir: the menu of the café near the station was written in French, "
        "with prices in euros and a naïve drawing of a cup.</p>"
        "<p>We ordered two crêpes and a carafe of water, and sat by the window while it rained.</p>"
        "</article></body></html>"
    )
    send(handler, 200, text.encode("cp1252"), "text/html; charset=utf-8")


def huge(handler):
    filler = ("<p>" + "padding text " * 80 + "</p>\n") * 2000  # about 2 MB
    send(handler, 200, f"<html><body><article>{filler}</article></body></html>".encode(), "text/html")


def huge_stream(handler):
    """Over the size limit with no Content-Length: only counting the bytes can stop it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Connection", "close")
    handler.end_headers()
    try:
        for _ in range(400):
            handler.wfile.write(b"<p>" + b"stream " * 1000 + b"</p>\n")
    except OSError:
        pass  # the crawler hung up, as it should
    handler.close_connection = True


ROUTES = {
    "/huge-stream": huge_stream,
    "/sitemap-posts.xml.gz": gz_sitemap,
    "/broken-sitemap.xml.gz": lambda h: send(
        h, 200, b"\x1f\x8b\x08\x00" + b"not gzip at all" * 20, "application/x-gzip"
    ),
    "/redirect": redirect("/good-post-2"),
    "/loop": redirect("/loop2"),
    "/loop2": redirect("/loop"),
    "/error500": lambda h: send(h, 500, b"<html><body>Internal error</body></html>", "text/html"),
    "/slow": slow,
    "/away": lambda h: send(h, 301, b"", None, {"Location": _base(h).replace("127.0.0.1", "localhost") + "/good-post"}),
    "/download": lambda h: send(h, 200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
    "/empty": lambda h: send(h, 200, b"", "text/html; charset=utf-8"),
    "/latin1": latin1,
    "/huge": huge,
    "/moved": lambda h: send(
        h,
        200,
        b'<html><head><meta http-equiv="refresh" content="0; url=/refreshed-post"></head>'
        b"<body>This page has moved.</body></html>",
        "text/html",
    ),
}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def trouble(tmp_path_factory):
    from blogarchive.crawler.demo.server import SiteServer

    out = tmp_path_factory.mktemp("trouble") / "archive"
    dead = f"http://127.0.0.1:{closed_port()}/"
    with SiteServer(SITE, ROUTES) as site:
        result = run_blogarchive(
            "crawl",
            site.url("/"),
            dead,
            "--out",
            str(out),
            "-s",
            "DOWNLOAD_TIMEOUT=1",
            "-s",
            "RETRY_TIMES=0",
            "-s",
            "DOWNLOAD_MAXSIZE=1000000",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
        )
        requests = list(site.requests)
    return {"out": out, "result": result, "base": site.base_url, "dead": dead, "requests": requests}


def outcomes(trouble) -> dict[str, str]:
    rows = duck(trouble["out"], "SELECT url, outcome FROM fetches")
    return {url.replace(trouble["base"], ""): outcome for url, outcome in rows}


def test_the_crawl_exits_zero_and_reports(trouble):
    result = trouble["result"]
    assert result.returncode == 0, result.stderr
    assert re.match(r"crawl \S+ finished: .*stored \d+ .* in [\d.]+s -> ", result.stdout)
    assert len(result.stdout.splitlines()) == 1  # one summary line per run
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        ("/", "stored"),
        ("/good-post", "stored"),
        ("/linked-only", "stored"),
        ("/from-feed", "stored"),
        ("/from-sitemap-gz", "stored"),
        ("/from-default-sitemap", "stored"),
        ("/malformed", "stored"),
        ("/latin1", "stored"),
        ("/same-as-good", "duplicate"),
        ("/redirect", "redirected"),
        ("/moved", "redirected"),
        ("/refreshed-post", "stored"),
        ("/xhtml-post", "stored"),
        ("/good-post-2", "stored"),
        ("/loop", "redirect_loop"),
        ("/away", "offsite"),
        ("/error500", "http_error"),
        ("/gone", "http_error"),
        ("/slow", "timeout"),
        ("/download", "not_html"),
        ("/empty", "no_content"),
        ("/huge", "too_large"),
        ("/huge-stream", "too_large"),
        ("/private/secret", "robots_denied"),
        ("/robots.txt", "discovered"),
        ("/sitemap_index.xml", "discovered"),
        ("/sitemap-posts.xml.gz", "discovered"),
        ("/sitemap.xml", "discovered"),
        ("/broken-sitemap.xml.gz", "parse_error"),
        ("/atom.xml", "discovered"),
    ],
)
def test_every_attempted_url_has_its_outcome(trouble, path, outcome):
    assert outcomes(trouble).get(path) == outcome


def test_unreachable_site_is_a_fetch_error(trouble):
    rows = duck(trouble["out"], f"SELECT outcome, reason FROM fetches WHERE url = '{trouble['dead']}'")
    assert rows and rows[0][0] == "fetch_error" and rows[0][1]


def test_off_host_links_are_not_followed(trouble):
    assert not any("elsewhere.example" in url for url in outcomes(trouble))


def test_every_stored_page_has_one_fetch_row_and_one_page_row(trouble):
    stored = duck(trouble["out"], "SELECT url FROM fetches WHERE outcome = 'stored' ORDER BY url")
    pages = duck(trouble["out"], "SELECT url FROM pages ORDER BY url")
    assert stored == pages
    assert duck(trouble["out"], "SELECT count(*) = count(DISTINCT url) FROM fetches")[0][0]


def test_failures_carry_a_reason_and_status(trouble):
    rows = dict(duck(trouble["out"], "SELECT url, reason FROM fetches WHERE outcome <> 'stored'"))
    assert all(reason for reason in rows.values())
    status = dict(duck(trouble["out"], "SELECT url, status FROM fetches"))
    assert status[trouble["base"] + "/error500"] == 500
    assert status[trouble["base"] + "/gone"] == 404
    assert "/good-post-2" in rows[trouble["base"] + "/redirect"]
    assert "/good-post" in rows[trouble["base"] + "/same-as-good"]


def test_wrong_charset_is_decoded_right_and_noted(trouble):
    text, encoding = duck(trouble["out"], "SELECT text, encoding FROM pages WHERE url LIKE '%/latin1'")[0]
    assert "Crème brûlée et café noir" in text and "\ufffd" not in text
    assert encoding != "utf-8"
    reason = duck(trouble["out"], "SELECT reason FROM fetches WHERE url LIKE '%/latin1'")[0][0]
    assert "declared utf-8" in reason


def test_malformed_html_keeps_its_paragraphs(trouble):
    text = duck(trouble["out"], "SELECT text FROM pages WHERE url LIKE '%/malformed'")[0][0]
    assert "never closes its tags properly" in text
    assert "inside a div that is never closed" in text


def test_requests_name_the_project_and_robots_is_read_first(trouble):
    agents = {agent for _, agent in trouble["requests"]}
    assert agents and all(agent and agent.startswith("blogarchive/") for agent in agents)
    assert "/private/secret" not in [path for path, _ in trouble["requests"]]


def test_pages_read_back_with_pyarrow_and_duckdb_agree(trouble):
    table = archive.read_pages(trouble["out"])
    assert table.num_rows == duck(trouble["out"], "SELECT count(*) FROM pages")[0][0] >= 9
    good = duck(
        trouble["out"], "SELECT title, author, published, page_type, text FROM pages WHERE url LIKE '%/good-post'"
    )[0]
    assert good[0] == "Walking the river valley"
    assert good[1] == "Rosa Field"
    assert good[2].isoformat().startswith("2024-02-10T09:30:00")
    assert good[3] == "post"
    assert good[4].startswith(GOOD_TEXT)
    assert "Trouble Blog, a test site." not in good[4]


def test_stats_summarises_the_archive(trouble):
    result = run_blogarchive("stats", str(trouble["out"]))
    assert result.returncode == 0, result.stderr
    summary = archive.summarize(trouble["out"])
    assert f"pages      {summary.pages} (" in result.stdout
    assert "2024-02-10 to 2024-02-10" in result.stdout
    assert "too_large 2" in result.stdout and "robots_denied 1" in result.stdout


def test_max_pages_and_depth_limit_the_crawl(serve, tmp_path):
    site = serve(SITE, ROUTES)
    out = tmp_path / "limited"
    result = run_blogarchive(
        "crawl",
        site.url("/"),
        "--out",
        str(out),
        "--max-pages",
        "3",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "DOWNLOAD_TIMEOUT=1",
    )
    assert result.returncode == 0, result.stderr
    pages = duck(out, "SELECT count(DISTINCT url) FROM fetches WHERE kind = 'page' AND outcome <> 'redirected'")[0][0]
    assert pages == 3

    shallow = tmp_path / "shallow"
    result = run_blogarchive("crawl", site.url("/"), "--out", str(shallow), "--depth", "0", "-s", "DOWNLOAD_DELAY=0")
    assert result.returncode == 0, result.stderr
    assert duck(shallow, "SELECT url FROM fetches WHERE kind = 'page'") == [(site.url("/"),)]


def test_extraction_past_its_time_limit_is_recorded_and_the_crawl_goes_on(serve, tmp_path):
    site = serve(SITE, ROUTES)
    out = tmp_path / "hurried"
    result = run_blogarchive(
        "crawl",
        site.url("/good-post"),
        "--out",
        str(out),
        "--depth",
        "0",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "EXTRACTION_TIMEOUT=0.000001",
    )
    assert result.returncode == 0, result.stderr
    from blogarchive.archive.reader import read_fetches

    rows = [r for r in read_fetches(out).to_pylist() if r["kind"] == "page"]
    assert rows and all(r["outcome"] == "extract_timeout" and "longer than" in r["reason"] for r in rows)


def test_allow_host_lets_the_crawl_cross_to_another_host(serve, tmp_path):
    other = serve(SITE, ROUTES)
    other_url = other.url("/good-post").replace("127.0.0.1", "localhost")
    site = serve(
        write_site(
            tmp_path / "home",
            {
                "index.html": f'<html><body><p><a href="{other_url}">elsewhere</a></p><p>home page</p></body></html>',
            },
        )
    )
    out = tmp_path / "a"
    run_blogarchive("crawl", site.url("/"), "--out", str(out), "-s", "DOWNLOAD_DELAY=0")
    assert not duck(out, f"SELECT 1 FROM fetches WHERE url = '{other_url}'")
    # localhost is another host at a loopback address: allowed, it is still blocked...
    out = tmp_path / "b"
    result = run_blogarchive(
        "crawl", site.url("/"), "--out", str(out), "--allow-host", "localhost", "-s", "DOWNLOAD_DELAY=0"
    )
    assert result.returncode == 0, result.stderr
    [(outcome, reason)] = duck(out, f"SELECT outcome, reason FROM fetches WHERE url = '{other_url}'")
    assert outcome == "blocked" and "localhost resolves to 127.0.0.1, a loopback address" in reason, reason
    # ...until private addresses are allowed
    out = tmp_path / "c"
    result = run_blogarchive(
        "crawl",
        site.url("/"),
        "--out",
        str(out),
        "--allow-host",
        "localhost",
        "--allow-private",
        "-s",
        "DOWNLOAD_DELAY=0",
    )
    assert result.returncode == 0, result.stderr
    assert duck(out, f"SELECT count(*) FROM pages WHERE url = '{other_url}'") == [(1,)]


def test_progress_line_on_a_terminal_and_plain_lines_otherwise(serve, tmp_path):
    import os
    import pty
    import subprocess

    from .conftest import BLOGARCHIVE

    site = serve(SITE, {"/slow": slow})
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(
            [
                BLOGARCHIVE,
                "crawl",
                site.url("/"),
                "--out",
                str(tmp_path / "tty"),
                "-s",
                "PROGRESS_INTERVAL=0.2",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "RETRY_TIMES=0",
                "-s",
                "DOWNLOAD_TIMEOUT=2",
            ],
            stderr=follower,
            stdout=subprocess.PIPE,
            timeout=120,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert process.returncode == 0
    assert re.search(rb"\r\x1b\[Kfetched \d+ \xc2\xb7 stored \d+ \xc2\xb7 errors \d+ \xc2\xb7 [\d.]+ pages/s", seen)

    result = run_blogarchive(
        "crawl",
        site.url("/"),
        "--out",
        str(tmp_path / "plain"),
        "-s",
        "PROGRESS_LOG_INTERVAL=0.2",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "DOWNLOAD_TIMEOUT=2",
    )
    assert result.returncode == 0
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d progress: fetched \d+", result.stderr, re.M)
    assert "\r" not in result.stderr
