"""Scope and URL hygiene (issue 15): addresses that wrap other addresses, IPv6 literals,
international host names, credentials in URLs, and start URLs at the metadata address.
Every crawl here is real, over loopback; nothing reaches another address."""

from __future__ import annotations

import json
import socket

import pyarrow.parquet as pq
import pytest

from blogarchive.archive import read_fetches
from blogarchive.crawler.addresses import non_public_kind
from blogarchive.crawler.demo.server import send
from blogarchive.pipelines.links import ascii_host, without_userinfo

from .conftest import duck, run_blogarchive
from .test_hostile import html, page


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("2002:0a00:0001::1", "private"),  # 6to4 around 10.0.0.1
        ("2002:7f00:0001::", "loopback"),  # 6to4 around 127.0.0.1
        ("2002:a9fe:a9fe::1", "link-local (cloud metadata)"),  # 6to4 around 169.254.169.254
        ("2002:a9fe:0101::", "link-local"),  # 6to4 around 169.254.1.1
        ("2002:0808:0808::1", None),  # 6to4 around 8.8.8.8: a public relay
        ("fec0::1", "private"),  # site-local
        ("[fec0::1]", "private"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 to 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local (cloud metadata)"),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo, client 10.0.0.1
        ("::ffff:169.254.169.254", "link-local (cloud metadata)"),
        ("fd00:ec2::254", "link-local (cloud metadata)"),
        ("fe80::1%eth0", "link-local"),
        ("93.184.216.34", None),
    ],
)
def test_addresses_that_wrap_an_ipv4_address_are_judged_by_it(address, kind):
    assert non_public_kind(address) == kind


def test_url_hygiene_functions():
    assert without_userinfo("http://user:pw@Host.example:8080/a@b?c=d@e") == "http://Host.example:8080/a@b?c=d@e"
    assert without_userinfo("https://token@host/") == "https://host/"
    assert without_userinfo("http://host/path@x") == "http://host/path@x"
    assert ascii_host("Bücher.Test.") == "xn--bcher-kva.test"
    assert ascii_host("xn--bcher-kva.test") == "xn--bcher-kva.test"


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_an_ipv6_literal_url_is_fetched(serve, tmp_path):
    site = serve(routes={"/": html(page("Served over IPv6"))}, host="::1")
    assert site.url("/").startswith("http://[::1]:")
    result = run_blogarchive("get", site.url("/"), "--out", str(tmp_path / "a"), "-s", "ROBOTSTXT_OBEY=false")
    assert result.returncode == 0, result.stdout + result.stderr
    assert duck(tmp_path / "a", "SELECT url, outcome FROM fetches") == [(site.url("/"), "stored")]
    assert duck(tmp_path / "a", "SELECT title FROM pages") == [("Served over IPv6",)]


def test_an_international_host_name_is_crawled_like_its_ascii_spelling(serve, tmp_path):
    """`bücher.test` and `xn--bcher-kva.test` are one host: the seed is in scope, and so are
    links written either way."""
    links = '<a href="/one">one</a> <a href="http://BÜCHER.test/two">two</a>'
    site = serve(
        routes={"/": html(page("Home", links)), "/one": html(page("One")), "/two": html(page("Two"))},
        public_url="http://xn--bcher-kva.test",
    )
    proxies = json.dumps({"bücher.test": site.address})  # the user may name the host either way here too
    result = run_blogarchive(
        "crawl",
        "http://bücher.test/",
        "--out",
        str(tmp_path / "a"),
        "-s",
        f"CRAWL_HOST_PROXIES={proxies}",
        "-s",
        "ROBOTSTXT_OBEY=false",
        "-s",
        "DOWNLOAD_DELAY=0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = dict(duck(tmp_path / "a", "SELECT url, outcome FROM fetches WHERE kind = 'page'"))
    assert rows == {
        "http://xn--bcher-kva.test/": "stored",
        "http://xn--bcher-kva.test/one": "stored",
        "http://xn--bcher-kva.test/two": "stored",
    }


def test_credentials_in_urls_are_neither_sent_nor_recorded(serve, tmp_path):
    """In the start URL, in a link, in a redirect: the user name and password go before the
    request, so no row, no request and no header holds them."""
    authorizations: list[str | None] = []

    def seen(route):
        def handler(h):
            authorizations.append(h.headers.get("Authorization"))
            route(h)

        return handler

    def redirect(h):
        host, port = h.server.server_address[:2]
        send(h, 302, b"", None, {"Location": f"http://agent:hunter2@{host}:{port}/target"})

    def home(h):
        host, port = h.server.server_address[:2]
        html(
            page(
                "Home", f'<a href="http://reader:hunter2@{host}:{port}/linked">linked</a> <a href="/redirect">moved</a>'
            )
        )(h)

    site = serve(
        routes={
            "/": seen(home),
            "/linked": seen(html(page("Linked"))),
            "/redirect": seen(redirect),
            "/target": seen(html(page("Target"))),
        }
    )
    seed = site.url("/").replace("http://", "http://admin:hunter2@")
    out = tmp_path / "a"
    result = run_blogarchive(
        "crawl",
        seed,
        "--out",
        str(out),
        "-s",
        "ROBOTSTXT_OBEY=false",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-v",
        "-s",
        "LOG_LEVEL=DEBUG",
    )  # Scrapy's own log too, redirects included
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Redirecting (302)" in result.stderr and "hunter2" not in result.stdout + result.stderr
    outcomes = dict(duck(out, "SELECT url, outcome FROM fetches WHERE kind = 'page'"))
    assert outcomes == {
        site.url("/"): "stored",
        site.url("/linked"): "stored",
        site.url("/redirect"): "redirected",
        site.url("/target"): "stored",
    }
    assert authorizations and set(authorizations) == {None}
    for table in ("pages", "fetches", "crawls"):  # every column of every row but the page as served
        for path in (out / table).glob("*.parquet"):
            rows = pq.read_table(path).drop_columns([c for c in ("html",) if table == "pages"]).to_pylist()
            assert rows and "hunter2" not in str(rows), path


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/",
        "http://169.254.10.1/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
def test_a_start_url_at_a_link_local_or_metadata_address_is_never_fetched(tmp_path, url):
    """Start URLs may be private (an intranet blog), but not link-local: that is where a
    cloud machine's metadata service hands out credentials."""
    result = run_blogarchive("get", url, "--out", str(tmp_path / "a"), timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    [(outcome, reason)] = [(r["outcome"], r["reason"]) for r in read_fetches(tmp_path / "a").to_pylist()]
    assert outcome == "blocked" and "link-local" in reason and "--allow-private" in reason


def test_cookies_never_make_the_crawl_download_the_public_suffix_list(serve, tmp_path):
    """The first Set-Cookie, with an empty cache, made tldextract fetch the Public Suffix List
    from the internet. Every connection that does not go to the site goes here to a proxy on
    loopback that counts it; none may come."""
    import subprocess

    from .conftest import BLOGARCHIVE, command_env

    attempts: list[bytes] = []
    proxy, close = _raw_server(lambda connection, line: attempts.append(line))

    def cookie_page(h):
        html(page("Cookies"), headers={"Set-Cookie": "session=1; Domain=127.0.0.1; Path=/"})(h)

    site = serve(routes={"/": cookie_page})
    env = command_env(
        HOME=str(tmp_path / "home"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        HTTP_PROXY=proxy,
        HTTPS_PROXY=proxy,
        http_proxy=proxy,
        https_proxy=proxy,
        NO_PROXY="127.0.0.1",
        no_proxy="127.0.0.1",
    )
    try:
        result = subprocess.run(
            [BLOGARCHIVE, "get", site.url("/"), "--out", str(tmp_path / "a"), "-s", "ROBOTSTXT_OBEY=false"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    finally:
        close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert attempts == []


def _raw_server(respond):
    """A server on loopback that answers each connection with `respond(socket, request line)`."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def answer(connection: socket.socket) -> None:
        with connection:
            try:
                respond(connection, connection.recv(4096).split(b"\r\n", 1)[0])
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    def close() -> None:
        stop.set()
        thread.join(timeout=5)
        listener.close()

    return f"http://127.0.0.1:{listener.getsockname()[1]}", close


def test_endless_or_huge_response_headers_are_a_fetch_error_with_the_bound(tmp_path):
    """Four at once, each sending header lines without end (or one line, or a status line,
    without end): each is `fetch_error` naming the bound, in bounded memory, and the
    crawl goes on to the page that answers properly."""
    from benchmarks.measure import run as measured_run

    from .conftest import BLOGARCHIVE, command_env

    body = page("Fine").replace(b"Fine", b"A fine page")

    def respond(connection: socket.socket, line: bytes) -> None:
        if b"/endless" in line:
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            for n in range(2_000_000):
                connection.sendall(b"X-Header-%d: %s\r\n" % (n, b"v" * 200))
        elif b"/status" in line:
            connection.sendall(b"HTTP/1.1 200 " + b"O" * 50_000_000)
        elif b"/line" in line:
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 50_000_000)
        else:
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n%s" % (len(body), body)
            )

    base_url, close = _raw_server(respond)
    urls = [f"{base_url}/endless-{n}" for n in range(2)] + [
        f"{base_url}/status",
        f"{base_url}/line",
        f"{base_url}/fine",
    ]
    try:
        result = measured_run(
            [
                BLOGARCHIVE,
                "get",
                *urls,
                "--out",
                str(tmp_path / "a"),
                "-s",
                "ROBOTSTXT_OBEY=false",
                "-s",
                "EXTRACTION_PROCESSES=0",
            ],  # one process: its memory is the crawl's
            env=command_env(),
        )
    finally:
        close()
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {
        url.removeprefix(base_url): (outcome, reason)
        for url, outcome, reason in duck(tmp_path / "a", "SELECT url, outcome, reason FROM fetches")
    }
    assert rows["/fine"] == ("stored", None)
    assert (
        rows["/endless-0"]
        == rows["/endless-1"]
        == ("fetch_error", "more than 500 response header lines (CRAWL_MAX_HEADERS)")
    )
    assert rows["/status"] == ("fetch_error", "a response status line longer than 16,384 bytes")
    assert rows["/line"] == ("fetch_error", "a response header line longer than 16,384 bytes")
    assert result.peak_mb < 500, result.peak_mb  # the crawl with extraction in-process; it was gigabytes
    assert result.seconds < 60


def test_header_bytes_are_bounded_too(tmp_path):
    """Few lines, each under the line bound, but together past CRAWL_MAX_HEADER_BYTES."""

    def respond(connection: socket.socket, line: bytes) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: %s\r\n" % (n, b"v" * 10_000) for n in range(30)))

    base_url, close = _raw_server(respond)
    try:
        result = run_blogarchive("get", f"{base_url}/", "--out", str(tmp_path / "a"), "-s", "ROBOTSTXT_OBEY=false")
    finally:
        close()
    assert result.returncode == 1
    [(outcome, reason)] = [(r["outcome"], r["reason"]) for r in read_fetches(tmp_path / "a").to_pylist()]
    assert (outcome, reason) == ("fetch_error", "response headers larger than 262,144 bytes (CRAWL_MAX_HEADER_BYTES)")


def test_numbers_no_column_can_hold_never_cost_a_batch_of_rows(serve, tmp_path):
    """A page stating "3000000000 min read" or 10^20 views, or answering with status
    2147483648: its counters are null, the status is a fetch_error, and every other page
    of the batch is stored."""
    huge = (
        "<p>3000000000 min read · 99999999999999999999 views · 99999999999999999999 likes</p>"
        '<script type="application/ld+json">{"@type": "BlogPosting", "commentCount": 1e23}</script>'
    )

    def bad_status(connection: socket.socket, line: bytes) -> None:
        connection.sendall(b"HTTP/1.1 2147483648 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")

    status_url, close = _raw_server(bad_status)
    site = serve(
        routes={
            "/ok": html(page("Fine")),
            "/huge": html(page("Huge numbers", huge)),
            "/also-ok": html(page("Also fine")),
        }
    )
    out = tmp_path / "a"
    try:
        result = run_blogarchive(
            "get",
            site.url("/ok"),
            site.url("/huge"),
            site.url("/also-ok"),
            f"{status_url}/s",
            "--out",
            str(out),
            "-s",
            "ROBOTSTXT_OBEY=false",
            "-s",
            "ARCHIVE_FLUSH_ROWS=100",
        )
    finally:
        close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "stored 3" in result.stdout
    rows = dict(duck(out, "SELECT url, outcome FROM fetches"))
    assert rows[f"{status_url}/s"] == "fetch_error"
    assert [rows[site.url(p)] for p in ("/ok", "/huge", "/also-ok")] == ["stored"] * 3
    [(reason,)] = duck(out, f"SELECT reason FROM fetches WHERE url = '{status_url}/s'")
    assert "2147483648" in reason and "not an HTTP status" in reason
    [counts] = duck(
        out, f"SELECT reading_time, view_count, like_count, comment_count FROM pages WHERE url = '{site.url('/huge')}'"
    )
    assert counts == (None, None, None, None)


def test_fit_record_nulls_what_a_column_cannot_hold():
    from blogarchive.archive.schema import fit_record

    row = {
        "url": "u",
        "status": 2**40,
        "reading_time": 2**31,
        "view_count": 10**20,
        "like_count": 5,
        "word_count": -(2**40),
    }
    assert fit_record("pages", row) == {
        "url": "u",
        "status": 2**31 - 1,
        "reading_time": None,
        "view_count": None,
        "like_count": 5,
        "word_count": -(2**31),
    }
    assert fit_record("pages", {"url": "u", "like_count": 5}) == {"url": "u", "like_count": 5}


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_private_start_host_does_not_open_its_other_ports(serve, tmp_path, host):
    """Start at http://localhost:A/: a link or a redirect to http://localhost:B/ (another
    service on the machine: Redis, an admin panel) is `blocked`; --allow-private lifts it."""
    other = serve(routes={"/secret": html(page("Secret service"))})
    other_url = f"http://{host}:{other.address.rsplit(':', 1)[1]}/secret"

    def redirect(h):
        send(h, 302, b"", None, {"Location": other_url.replace("/secret", "/moved")})

    site = serve(
        routes={
            "/": html(page("Home", f'<a href="{other_url}">x</a> <a href="/go">y</a> <a href="/same">z</a>')),
            "/go": redirect,
            "/same": html(page("Same service")),
        }
    )
    start = site.url("/").replace("127.0.0.1", host)
    for allow, expected in (([], "blocked"), (["--allow-private"], None)):
        out = tmp_path / f"a{len(allow)}"
        result = run_blogarchive(
            "crawl",
            start,
            "--out",
            str(out),
            *allow,
            "-s",
            "ROBOTSTXT_OBEY=false",
            "-s",
            "DOWNLOAD_DELAY=0",
            "--allow-host",
            host,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        rows = dict(duck(out, "SELECT url, outcome FROM fetches WHERE kind = 'page'"))
        assert rows[start.rstrip("/") + "/same"] == "stored"
        if expected:
            # the redirect's row is the URL asked for, as for every redirect
            assert rows[other_url] == "blocked" and rows[start.rstrip("/") + "/go"] == "blocked", rows
            assert not any(path in ("/secret", "/moved") for path, _ in other.requests)
        else:
            assert rows[other_url] == "stored", rows


def test_a_redirect_is_held_to_the_trap_guards_of_links(serve, tmp_path):
    """A Location of 15,000 characters is refused like a link of that length (`trap`)."""
    long_path = "/" + "a" * 15_000

    def redirect(h):
        send(h, 302, b"", None, {"Location": long_path})

    site = serve(routes={"/": redirect, long_path: html(page("Long"))})
    result = run_blogarchive("get", site.url("/"), "--out", str(tmp_path / "a"), "-s", "ROBOTSTXT_OBEY=false")
    [(outcome, reason)] = [
        (r["outcome"], r["reason"]) for r in read_fetches(tmp_path / "a").to_pylist() if r["kind"] == "page"
    ]
    assert outcome == "trap" and "CRAWL_MAX_URL_LENGTH" in reason, (outcome, reason, result.stderr)
    assert not any(len(path) > 1000 for path, _ in site.requests)
