"""A hostile site on loopback: one crawl through every trap, each case checked by its
`fetches` row, and the crawl itself by its exit status, time and memory."""

from __future__ import annotations

import gzip
import random
import time

import pytest

from benchmarks.measure import run as measured_run
from blogarchive.crawler.demo.server import SiteServer, send

from .conftest import BLOGARCHIVE, command_env, duck, run_blogarchive

PAGE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>{title}: a paragraph long enough for the extractor to keep, about harbours, ferries, lanterns "
    "and the winter light over the estuary, written for the hostile test site.</p>{extra}</article></body></html>"
)

XXE = (
    '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/xxe-&xxe;</loc></url>'
    "<url><loc>{base}/after-xxe</loc></url></urlset>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/laughs-&lol9;</loc></url>'
    "<url><loc>{base}/after-laughs</loc></url></urlset>"
)
XXE_FEED = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/hostname">]><rss version="2.0"><channel>'
    "<title>t</title><item><title>x</title><link>{base}/feed-xxe-&xxe;</link></item>"
    "<item><title>y</title><link>{base}/after-feed-xxe</link></item></channel></rss>"
)


def base(handler) -> str:
    host, port = handler.server.server_address[:2]
    return f"http://{host}:{port}"


def page(title: str, extra: str = "") -> bytes:
    return PAGE.format(title=title, extra=extra).encode()


def html(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None):
    data = body.encode() if isinstance(body, str) else body
    return lambda h: send(h, status, data, "text/html; charset=utf-8", headers)


def streamed(chunk: bytes, content_type: str = "text/html", pause: float = 0.0, chunks: int = 100_000):
    """A response without length that goes on until the client hangs up."""

    def handler(h):
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Connection", "close")
        h.end_headers()
        try:
            for _ in range(chunks):
                h.wfile.write(chunk)
                h.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            pass  # the crawler hung up, as it should
        h.close_connection = True

    return handler


def gzip_bomb(h):
    body = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)  # 200 MB in about 200 KB
    send(h, 200, body, "text/html", {"Content-Encoding": "gzip"})


def truncated_gzip(h):
    body = gzip.compress(page("Truncated gzip"))
    send(h, 200, body[: len(body) // 2], "text/html", {"Content-Encoding": "gzip"})


def wrong_length(h):
    body = page("Wrong length")
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(body) + 5000))
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(body)
    h.close_connection = True


def http10(h):
    h.request_version = "HTTP/1.0"
    h.protocol_version = "HTTP/1.0"
    h.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + page("HTTP 1.0 without length"))
    h.close_connection = True


def endless_redirect(h):
    n = int(h.path.rstrip("/").rsplit("/", 1)[-1] or 0)
    send(h, 302, b"", None, {"Location": f"/forever/{n + 1}"})


def nested_sitemap(h):
    n = int(h.path.rsplit("/", 1)[-1].split(".")[0])
    xml = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base(h)}/nest/{n + 1}.xml</loc></sitemap></sitemapindex>"
    )
    send(h, 200, xml.encode(), "application/xml")


def repeating_path(h):
    send(h, 200, page("Repeating path", '<a href="a/b/">deeper</a>'), "text/html")


def growing_query(h):
    query = h.path.partition("?")[2]
    params = [p for p in query.split("&") if p]
    send(
        h,
        200,
        page("Calendar", f'<a href="/calendar?{"&".join([*params, f"d{len(params)}=1"])}">next</a>'),
        "text/html",
    )


def query_variants(h):
    """200,000 links to query variants of one page, each answering the same text."""
    links = "".join(f"<a href=/p?n={i}>{i}</a>" for i in range(200_000))
    send(h, 200, page("Variants", links), "text/html")


def redirecting_variants(h):
    """200,000 links to query variants that each redirect to one page."""
    links = "".join(f"<a href=/r?id={i}>{i}</a>" for i in range(200_000))
    send(h, 200, page("Redirecting variants", links), "text/html")


def million_links(h):
    links = "".join(f"<a href=/l/{i}>{i}</a>" for i in range(100_000))
    send(h, 200, page("Many links", links), "text/html")


def robots(h):
    send(h, 200, f"User-agent: *\nAllow: /\nSitemap: {base(h)}/sitemap.xml\n".encode(), "text/plain")


def sitemap(h):
    b = base(h)
    xml = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(
            f"<sitemap><loc>{b}{path}</loc></sitemap>"
            for path in ("/nest/0.xml", "/xxe.xml", "/laughs.xml", "/big-sitemap.xml")
        )
        + "</sitemapindex>"
    )
    send(h, 200, xml.encode(), "application/xml")


LINKS = [
    "/garbage",
    "/truncated-gzip",
    "/wrong-length",
    "/http10",
    "/soft-404",
    "/forever/0",
    "/big-stream",
    "/gzip-bomb",
    "/slow-drip",
    "/many-links",
    "/variants",
    "/redirecting-variants",
    "/repeat/",
    "/calendar",
    "/nul-bytes",
    "/utf16-bom",
    "/lying-charset",
    "/deep-nesting",
    "/deeper-than-the-parser",
    "/to-metadata",
    "/to-localhost",
    "/to-ten",
    "/empty",
    "/pdf",
    "/error-500",
    "/feed-xxe.xml",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/admin",
    "http://localhost:{port}/secret",
    "/" + "long/" * 600,
    "/q?" + "&".join(f"p{i}=1" for i in range(30)),
    "file:///etc/passwd",
]


def home(h):
    links = "".join(f'<a href="{link.format(port=h.server.server_address[1])}">x</a> ' for link in LINKS)
    feed = '<link rel="alternate" type="application/rss+xml" href="/feed-xxe.xml">'
    send(h, 200, page("Hostile home", links).replace(b"<head>", f"<head>{feed}".encode()), "text/html")


def nested(depth: int):
    body = (
        "<html><body>"
        + "<div>" * depth
        + "<p>"
        + "Deep inside the nest, a sentence long enough to keep. " * 5
        + "</p>"
        + "</div>" * depth
        + "</body></html>"
    ).encode()
    return lambda h: send(h, 200, body, "text/html")


ROUTES = {
    "/": home,
    "/robots.txt": robots,
    "/sitemap.xml": sitemap,
    "/garbage": lambda h: send(h, 200, random.Random(7).randbytes(20_000), "text/html"),
    "/truncated-gzip": truncated_gzip,
    "/wrong-length": wrong_length,
    "/http10": http10,
    "/soft-404": html("<html><head><title>Not Found</title></head><body><h1>404</h1><p>Not found.</p></body></html>"),
    "/forever/*": endless_redirect,
    "/big-stream": streamed(b"<p>" + b"more " * 2000 + b"</p>\n"),
    "/gzip-bomb": gzip_bomb,
    "/slow-drip": streamed(b"<p>drip</p>", pause=0.5, chunks=200),  # 100 s: past DOWNLOAD_TIMEOUT
    "/many-links": million_links,
    "/variants": query_variants,
    "/redirecting-variants": redirecting_variants,
    "/r": lambda h: send(h, 301, b"", None, {"Location": "/canonical"}),
    "/canonical": html(page("The canonical page of the redirecting variants")),
    "/p": html(page("One page, whatever its query")),
    "/repeat/*": repeating_path,
    "/calendar": growing_query,
    "/nul-bytes": html(page("Nul bytes").replace(b"paragraph", b"para\0graph")),
    "/utf16-bom": lambda h: send(
        h, 200, b"\xff\xfe" + page("Sixteen bits \u00e9t\u00e9").decode().encode("utf-16-le"), "text/html"
    ),
    "/lying-charset": lambda h: send(
        h, 200, page("Caf\u00e9 cr\u00e8me").decode().encode("cp1252"), "text/html; charset=utf-8"
    ),
    "/deep-nesting": nested(200),
    "/deeper-than-the-parser": nested(5000),
    "/to-metadata": lambda h: send(h, 302, b"", None, {"Location": "http://169.254.169.254/latest/meta-data/iam"}),
    "/to-localhost": lambda h: send(
        h, 302, b"", None, {"Location": f"http://localhost:{h.server.server_address[1]}/secret"}
    ),
    "/to-ten": lambda h: send(h, 301, b"", None, {"Location": "http://10.0.0.1/"}),
    "/empty": html(b""),
    "/pdf": lambda h: send(h, 200, b"%PDF-1.4\n%\xe2\xe3\n", "application/pdf"),
    "/error-500": html(b"<html><body>Internal error</body></html>", status=500),
    "/nest/*": nested_sitemap,
    "/xxe.xml": lambda h: send(h, 200, XXE.format(base=base(h)).encode(), "application/xml"),
    "/laughs.xml": lambda h: send(h, 200, LAUGHS.replace("{base}", base(h)).encode(), "application/xml"),
    "/feed-xxe.xml": lambda h: send(h, 200, XXE_FEED.format(base=base(h)).encode(), "application/rss+xml"),
    "/big-sitemap.xml": streamed(b"<url><loc>http://127.0.0.1/x</loc></url>" * 100, content_type="application/xml"),
    "/after-xxe": html(page("After XXE")),
    "/after-laughs": html(page("After laughs")),
    "/after-feed-xxe": html(page("After feed XXE")),
}

#: bounds small enough for a test; every one is a documented setting
LIMITS = [
    "-s",
    "DOWNLOAD_MAXSIZE=4000000",
    "-s",
    "DOWNLOAD_TIMEOUT=3",
    "-s",
    "RETRY_TIMES=0",
    "-s",
    "REDIRECT_MAX_TIMES=5",
    "-s",
    "CRAWL_MAX_LINKS_PER_PAGE=1000",
    "-s",
    "CRAWL_MAX_SITEMAP_NESTING=3",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
]


#: the bounds the issue set for this site crawled with the default settings: it must end on
#: its own, and the whole process tree (crawl and extraction workers) must stay under 1 GB
MAX_SECONDS = 300
MAX_TREE_MB = 1024


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile site crawled once with the default settings (politeness included)."""
    out = tmp_path_factory.mktemp("hostile") / "archive"
    with SiteServer(routes=ROUTES) as site:
        allow = [arg for host in ("localhost", "169.254.169.254", "10.0.0.1") for arg in ("--allow-host", host)]
        command = [
            "timeout",
            "-s",
            "KILL",
            str(MAX_SECONDS + 60),
            BLOGARCHIVE,
            "crawl",
            site.url("/"),
            "--out",
            str(out),
            *allow,
        ]
        result = measured_run(command, env=command_env())
        requests = [path for path, _ in site.requests]
    rows = duck(out, "SELECT url, outcome, reason FROM fetches")
    outcomes = {url.replace(site.base_url, ""): (outcome, reason or "") for url, outcome, reason in rows}
    return {
        "result": result,
        "out": out,
        "outcomes": outcomes,
        "base": site.base_url,
        "rows": rows,
        "requests": requests,
    }


def test_the_hostile_crawl_with_default_settings_ends_on_its_own_in_bounded_time_and_memory(hostile):
    result = hostile["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.seconds < MAX_SECONDS
    assert result.peak_mb < MAX_TREE_MB  # crawl process and extraction workers together


@pytest.mark.parametrize(
    ("family", "prefix", "answer"),
    [("/p?n", "/p?n=", "duplicate"), ("/l/*", "/l/", "http_error"), ("/r?id", "/r?id=", "duplicate")],
)
def test_a_family_of_generated_urls_is_closed_after_a_run_of_nothing_new(hostile, family, prefix, answer):
    """/variants links to 200,000 query variants of one page, /redirecting-variants to
    200,000 that redirect to one page, /many-links to 100,000 pages that answer 404: a few
    are fetched, the rest are one `trap` row per family."""
    fetched = [path for path in hostile["requests"] if path.startswith(prefix)]
    assert 10 <= len(fetched) < 60, len(fetched)
    traps = [
        (url, reason)
        for url, outcome, reason in hostile["rows"]
        if outcome == "trap" and url.replace(hostile["base"], "").startswith(prefix)
    ]
    assert len(traps) == 1, traps
    reason = traps[0][1]
    assert f":{hostile['base'].rsplit(':', 1)[1]}{family} answered" in reason and answer in reason
    held = int(reason.split("; ")[1].split(" more")[0])
    assert held + len(fetched) >= 4990  # every link the page gave (CRAWL_MAX_LINKS_PER_PAGE) is accounted for
    assert "CRAWL_FAMILY_BUDGET" in reason


@pytest.mark.parametrize(
    ("path", "outcome", "reason_part"),
    [
        ("/garbage", "not_html", "binary body"),
        ("/truncated-gzip", "stored", ""),  # what decompressed is kept
        ("/wrong-length", "fetch_error", ""),
        ("/http10", "stored", ""),
        ("/soft-404", "stored", ""),
        ("/forever/0", "redirect_loop", "redirects"),
        ("/big-stream", "too_large", "DOWNLOAD_MAXSIZE"),
        ("/gzip-bomb", "too_large", "decompress"),
        ("/slow-drip", "timeout", ""),
        ("/many-links", "stored", ""),
        ("/nul-bytes", "stored", ""),
        ("/utf16-bom", "stored", ""),
        ("/lying-charset", "stored", ""),
        ("/deep-nesting", "stored", ""),
        ("/deeper-than-the-parser", "no_content", ""),  # libxml2 stops at its depth limit
        ("/to-metadata", "blocked", "169.254.169.254, a link-local (cloud metadata) address"),
        ("/to-localhost", "blocked", "localhost resolves to 127.0.0.1, a loopback address"),
        ("/to-ten", "blocked", "10.0.0.1, a private address"),
        ("http://169.254.169.254/latest/meta-data/", "blocked", "cloud metadata"),
        ("http://10.0.0.1/admin", "blocked", "private"),
        ("/empty", "no_content", ""),
        ("/pdf", "not_html", ""),
        ("/error-500", "http_error", "500"),
        ("/" + "long/" * 600, "trap", "CRAWL_MAX_URL_LENGTH"),
        ("/q?" + "&".join(f"p{i}=1" for i in range(30)), "trap", "CRAWL_MAX_QUERY_PARAMS"),
        ("/repeat/a/b/a/b/a/b/a/b/", "trap", "CRAWL_MAX_PATH_REPEATS"),
        ("/nest/3.xml", "trap", "CRAWL_MAX_SITEMAP_NESTING"),
        ("/big-sitemap.xml", "too_large", ""),
        ("/after-xxe", "stored", ""),
        ("/after-laughs", "stored", ""),
        ("/after-feed-xxe", "stored", ""),
        ("/xxe.xml", "discovered", ""),
        ("/laughs.xml", "discovered", ""),
        ("/feed-xxe.xml", "discovered", ""),
    ],
)
def test_each_trap_has_its_outcome(hostile, path, outcome, reason_part):
    got = hostile["outcomes"].get(path)
    assert got is not None, f"no fetches row for {path}"
    assert got[0] == outcome, got
    assert reason_part in got[1]


def test_the_calendar_stops_at_the_query_limit(hostile):
    calendar = [(url, o) for url, o in hostile["outcomes"].items() if url.startswith("/calendar")]
    assert any(outcome == "trap" for _, (outcome, _) in calendar)
    assert len(calendar) < 20


def test_entities_are_never_expanded_nor_files_read(hostile):
    urls = " ".join(hostile["outcomes"])
    assert "root:" not in urls and "lollol" not in urls
    assert not any(url.startswith("file:") for url in hostile["outcomes"])


def test_links_per_page_are_bounded(hostile):
    from blogarchive.crawler import settings

    [(links,)] = duck(hostile["out"], "SELECT len(links) FROM pages WHERE url LIKE '%/many-links'")
    assert links == settings.CRAWL_MAX_LINKS_PER_PAGE


def test_text_is_valid_utf8_and_charsets_are_found(hostile):
    texts = dict(duck(hostile["out"], "SELECT url, text FROM pages"))
    for url, text in texts.items():
        text.encode("utf-8")  # no lone surrogates
        assert "\0" not in text, url
    by_path = {url.replace(hostile["base"], ""): text for url, text in texts.items()}
    assert "Café crème" in by_path["/lying-charset"]
    assert "Sixteen bits été" in by_path["/utf16-bom"]


def test_get_follows_redirects_anywhere_but_to_private_addresses(tmp_path):
    with SiteServer(routes=ROUTES) as site:
        result = run_blogarchive("get", site.url("/to-ten"), site.url("/http10"), "--out", str(tmp_path / "a"), *LIMITS)
    assert result.returncode == 0, result.stderr
    rows = dict(duck(tmp_path / "a", "SELECT url, outcome FROM fetches"))
    assert rows[site.url("/to-ten")] == "blocked"
    assert rows[site.url("/http10")] == "stored"


@pytest.mark.parametrize("how", ["deleted-posts-first", "image-only-posts-first"])
def test_a_run_of_dead_or_empty_posts_does_not_cost_the_live_posts_behind_it(serve, tmp_path, how):
    """A real blog's posts share a family (/post/N). The home page links the twelve newest,
    dead (404) or image-only (no_content); an older listing links the live ones, which are
    asked for after those (one request at a time). The family closes for a moment; a probe
    finds a live post, the family reopens, and every live post is archived."""

    def post_page(h):
        n = int(h.path.rsplit("/", 1)[1])
        if n <= 12 and how.startswith("deleted"):
            send(h, 404, b"<html><body>gone</body></html>", "text/html")
        elif n <= 12:
            send(h, 200, b"<html><body><article><img src='/photo.jpg'></article></body></html>", "text/html")
        else:
            send(h, 200, page(f"Post number {n} of the blog"), "text/html")

    def links(numbers) -> str:
        return "".join(f"<li><a href='/post/{n}'>post {n}</a></li>" for n in numbers)

    site = serve(
        routes={
            "/": html(f"<html><body><ul>{links(range(1, 13))}</ul><a href='/older'>older posts</a></body></html>"),
            "/older": html(f"<html><body><ul>{links(range(13, 41))}</ul></body></html>"),
            "/post/*": post_page,
        }
    )
    out = tmp_path / "archive"
    result = run_blogarchive(
        "crawl",
        site.url("/"),
        "--out",
        str(out),
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "CONCURRENT_REQUESTS=1",
    )
    assert result.returncode == 0, result.stderr
    rows = dict(duck(out, "SELECT url, outcome FROM fetches WHERE url LIKE '%/post/%'"))
    live = {site.url(f"/post/{n}") for n in range(13, 41)}
    assert {url for url, outcome in rows.items() if outcome == "stored"} == live
    assert "trap" not in rows.values()


def test_a_traps_queued_links_do_not_use_up_the_page_budget(serve, tmp_path):
    """--max-pages counts pages requested, not links queued: the 1,000 variants a trap page
    queued before its family closed cost no page slot once held, so the posts found
    after it are still requested."""

    def older(h):
        time.sleep(1)  # the trap's links are queued first
        send(h, 200, page("Older posts", "".join(f"<a href='/post/{n}'>{n}</a>" for n in range(20))), "text/html")

    site = serve(
        routes={
            "/": html(page("Home", "<a href='/trap'>trap</a> <a href='/older'>older</a>")),
            "/trap": html(page("Trap", "".join(f"<a href=/p?n={i}>{i}</a>" for i in range(1000)))),
            "/p": html(page("One page, whatever its query")),
            "/older": older,
            "/post/*": lambda h: send(h, 200, page(f"Post {h.path}"), "text/html"),
        }
    )
    out = tmp_path / "archive"
    result = run_blogarchive("crawl", site.url("/"), "--out", str(out), "--max-pages", "300")  # default politeness
    assert result.returncode == 0, result.stderr
    stored = [url for (url,) in duck(out, "SELECT url FROM fetches WHERE outcome = 'stored' AND url LIKE '%/post/%'")]
    assert len(stored) == 20
    [(held,)] = duck(out, "SELECT reason FROM fetches WHERE outcome = 'trap'")
    assert "more of its URLs not requested" in held


def test_a_proxy_the_crawl_uses_is_no_way_into_loopback(serve, tmp_path):
    """CRAWL_HOST_PROXIES lets the crawl connect to its proxy (the demo's server on loopback);
    a redirect to that address, as a URL, is still blocked."""
    import json

    site = serve(
        routes={
            "/to-local": lambda h: send(h, 302, b"", None, {"Location": f"{base(h)}/secret"}),
            "/secret": html(page("Secret")),
        }
    )
    proxies = json.dumps({"blog.localhost": site.address})
    result = run_blogarchive(
        "get",
        "http://blog.localhost/to-local",
        "--out",
        str(tmp_path / "a"),
        "-s",
        f"CRAWL_HOST_PROXIES={proxies}",
        "-s",
        "ROBOTSTXT_OBEY=false",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    from blogarchive.archive import read_fetches

    [(outcome, reason)] = [
        (r["outcome"], r["reason"]) for r in read_fetches(tmp_path / "a").to_pylist() if r["url"].endswith("/to-local")
    ]
    assert outcome == "blocked" and "loopback" in reason
    assert "/secret" not in [path for path, _ in site.requests]


def test_a_crawl_stopped_early_still_reports_what_its_url_families_held(serve, tmp_path):
    """SIGTERM while a slow page keeps the crawl busy: the trap's family closed meanwhile,
    and its `trap` row is written as the crawl closes."""
    import signal
    import subprocess

    from .conftest import BLOGARCHIVE, command_env

    def slow(h):
        time.sleep(20)
        send(h, 200, page("Slow"), "text/html")

    site = serve(
        routes={
            "/": html(page("Home", "<a href='/variants'>variants</a> <a href='/slow'>slow</a>")),
            "/variants": query_variants,
            "/p": html(page("One page, whatever its query")),
            "/slow": slow,
        }
    )
    out = tmp_path / "archive"
    crawl = subprocess.Popen(
        [
            BLOGARCHIVE,
            "crawl",
            site.url("/"),
            "--out",
            str(out),
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    deadline = time.monotonic() + 60
    while sum(path.startswith("/p?n=") for path, _ in site.requests) < 12 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    crawl.send_signal(signal.SIGTERM)
    stdout, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 3, stdout + stderr
    from blogarchive.archive import read_fetches

    traps = [r["reason"] for r in read_fetches(out).to_pylist() if r["outcome"] == "trap"]
    assert len(traps) == 1 and "/p?n answered 10 times in a row" in traps[0], traps
