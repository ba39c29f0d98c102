"""Pages that need a browser: `--render auto` renders only the pages whose text their
script brings (in Debian's Chromium, through Playwright), records which were rendered, and
never lets a page's script reach addresses the crawl may not; a browser that crashes
mid-page leaves an outcome and the crawl goes on."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from blogarchive.crawler.demo.server import SiteServer
from blogarchive.pipelines.rendering import browser_problem, keep_rendered, render_reason, shell_marks

from .conftest import duck, run_blogarchive, write_site

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]


def story(topic: str, count: int = 5) -> list[str]:
    return [
        f"Sentence {n} about {topic}, long enough that a page of a few of them is the main text of a post."
        for n in range(count)
    ]


def site_files(decoy: str) -> dict[str, str]:
    """(1) a post its script writes after load, (2) a client-rendered shell that fetches
    its post as JSON, (3) a static post, (4) a shell whose script first tries the cloud
    metadata address and `decoy` (another loopback address), then writes its post."""
    script_post = "".join(f"<p>{line}</p>" for line in story("the lighthouse keeper"))
    return {
        "script-post.html": "<html><head><title>Written by script</title></head><body>"
        "<header><a href='/'>Blog</a></header><article id='post'></article><script>"
        "document.addEventListener('DOMContentLoaded', () => setTimeout(() => {"
        f"document.getElementById('post').innerHTML = '<h1>Written by script</h1>{script_post}'; }}, 50));"
        "</script></body></html>",
        "shell.html": "<html><head><title>Shell</title><script src='/app.js' defer></script></head>"
        "<body><div id='root'></div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>",
        "app.js": "fetch('/post.json').then(r => r.json()).then(post => {"
        "document.getElementById('root').innerHTML = '<article><h1>' + post.title + '</h1>' + "
        "post.paragraphs.map(p => '<p>' + p + '</p>').join('') + '</article>'; });",
        "post.json": json.dumps({"title": "A post from JSON", "paragraphs": story("gulls and ferries", 6)}),
        "static-post.html": "<html><head><title>Static</title></head><body><article><h1>Static</h1>"
        + "".join(f"<p>{line}</p>" for line in story("the harbour wall"))
        + "</article></body></html>",
        "nosy.html": "<html><head><title>Nosy</title></head><body><div id='app'></div>"
        "<script type='speculationrules'>"
        + json.dumps(
            {
                "prefetch": [{"source": "list", "urls": [f"{decoy}/prefetched"]}],
                "prerender": [{"source": "list", "urls": [f"/redirect?to={decoy}/prerendered"]}],
            }
        )
        + "</script><script src='/nosy.js'></script></body></html>",
        "big.json": json.dumps(["x" * 1000] * 200),  # past the auto test's DOWNLOAD_MAXSIZE
        "nosy.js": f"window.open('{decoy}/popup');"
        "const form = document.createElement('form'); form.method = 'POST'; form.target = '_blank';"
        f"form.action = '{decoy}/form'; document.body.appendChild(form); form.submit();"
        "const rtc = typeof RTCPeerConnection === 'undefined' ? 'no peer connections' : 'peer connections';"
        "Promise.allSettled(["
        "fetch('http://169.254.169.254/latest/meta-data/'),"
        f"fetch('{decoy}/ping'), fetch('/redirect?to={decoy}/redirected'),"
        f"fetch('http://decoy.localhost:{decoy.rsplit(':', 1)[1]}/named'), fetch('/big.json'),"
        "fetch('/post.json')]).then(() => {"
        "document.getElementById('app').innerHTML = '<article><h1>Nosy</h1><p>' + rtc + '</p>' + "
        + json.dumps("".join(f"<p>{line}</p>" for line in story("the tide tables")))
        + " + '</article>'; });",
    }


PAGES = ("/script-post", "/shell", "/static-post", "/nosy")


def redirect(handler):
    """/redirect?to=URL: a 302 to URL, from the site itself."""
    from urllib.parse import parse_qs, urlsplit

    target = parse_qs(urlsplit(handler.path).query)["to"][0]
    handler.send_response(302)
    handler.send_header("Location", target)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


@pytest.fixture
def render_site(serve, tmp_path):
    """(site, decoy): the site on 127.0.0.1 and a server on 127.0.0.2 that must get no request."""
    if browser_problem(None) is not None:
        pytest.fail(f"rendering needs {browser_problem(None)}; .ci/run installs chromium")
    decoy = SiteServer(write_site(tmp_path / "decoy", {"ping.html": "pong"}), host="127.0.0.2").start()
    try:
        yield serve(write_site(tmp_path / "site", site_files(decoy.base_url)), routes={"/redirect": redirect}), decoy
    finally:
        decoy.stop()


def crawl(site, out: Path, *options: str, pages=PAGES):
    result = run_blogarchive("get", *(site.url(p) for p in pages), "--out", str(out), *FAST, *options)
    assert result.returncode == 0, result.stderr
    return result


def outcomes(out: Path) -> dict[str, tuple]:
    rows = duck(out, "SELECT url, outcome, rendered, reason FROM fetches WHERE kind = 'page'")
    return {url.rsplit("/", 1)[1]: (outcome, rendered, reason) for url, outcome, rendered, reason in rows}


def test_auto_renders_the_pages_that_need_it_and_blocks_what_their_script_may_not_reach(render_site, tmp_path):
    site, decoy = render_site
    out = tmp_path / "archive"
    result = crawl(site, out, "--render", "auto", "--warc", "-s", "DOWNLOAD_MAXSIZE=150000")
    assert "rendering is off" not in result.stderr
    pages = {
        url.rsplit("/", 1)[1]: (rendered, title, text)
        for url, rendered, title, text in duck(out, "SELECT url, rendered, title, text FROM pages")
    }
    assert set(pages) == {"script-post", "shell", "static-post", "nosy"}
    assert pages["script-post"][0] and "the lighthouse keeper" in pages["script-post"][2]
    assert pages["shell"][0] and pages["shell"][1] == "A post from JSON" and "gulls and ferries" in pages["shell"][2]
    assert pages["static-post"][0] is False and "the harbour wall" in pages["static-post"][2]
    assert pages["nosy"][0] and "the tide tables" in pages["nosy"][2]
    fetched = outcomes(out)
    assert {page: row[:2] for page, row in fetched.items()} == {
        "script-post": ("stored", True),
        "shell": ("stored", True),
        "static-post": ("stored", False),
        "nosy": ("stored", True),
    }
    why = fetched["nosy"][2]
    decoy_url = decoy.base_url
    for blocked in (
        "http://169.254.169.254/latest/meta-data/ (blocked: 169.254.169.254, a link-local (cloud metadata) address",
        f"{decoy_url}/ping (blocked: 127.0.0.2, a loopback address",
        f"{decoy_url}/redirected (blocked",  # the second hop of a redirect from the site itself
        "http://decoy.localhost:",  # a name the browser would take to loopback by itself
        f"{decoy_url}/popup (a pop-up)",
        f"{decoy_url}/form (a pop-up)",
        "/big.json (larger than DOWNLOAD_MAXSIZE, 150000 bytes)",  # the page's requests are bounded too
    ):
        assert blocked in why, (blocked, why)
    assert decoy.requests == []  # never made
    assert "no peer connections" in pages["nosy"][2]  # WebRTC's sockets pass no route: it is not there
    # the page's own JSON came from the site, through the browser; the pages themselves once each
    paths = [path for path, _ in site.requests]
    assert paths.count("/post.json") == 2 and paths.count("/shell") == 1 and paths.count("/nosy") == 1
    # `html` is the response as fetched: the shell, not its rendered DOM
    [(html,)] = duck(out, "SELECT html FROM pages WHERE url LIKE '%/shell'")
    assert "<div id='root'></div>" in html
    # the WARC holds the response as received and the rendered DOM as a conversion of it
    records = {}
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                headers = record.rec_headers
                body = record.content_stream().read()
                records.setdefault((record.rec_type, headers.get_header("WARC-Target-URI")), []).append((headers, body))
    shell = site.url("/shell")
    [(response, _)] = records[("response", shell)]
    [(conversion, dom)] = records[("conversion", shell)]
    assert conversion.get_header("WARC-Refers-To") == response.get_header("WARC-Record-ID")
    assert b"gulls and ferries" in dom and conversion.get_header("Content-Type").startswith("text/html")
    assert ("conversion", site.url("/static-post")) not in records  # not rendered, nothing converted


def test_never_leaves_script_pages_without_text_and_always_renders_every_page(render_site, tmp_path):
    site, _ = render_site
    never = crawl(site, tmp_path / "never", "--render", "never")
    assert "rendering" not in never.stderr
    fetched = outcomes(tmp_path / "never")
    assert fetched["shell"][:2] == ("no_content", False) and fetched["nosy"][:2] == ("no_content", False)
    assert fetched["script-post"][0] in ("no_content", "stored")  # its header link, at most
    assert not any(rendered for _, rendered, _ in fetched.values())
    assert not duck(tmp_path / "never", "SELECT count(*) FROM pages WHERE text LIKE '%lighthouse%'")[0][0]

    crawl(site, tmp_path / "always", "--render", "always", pages=("/static-post", "/shell"))
    assert {page: row[:2] for page, row in outcomes(tmp_path / "always").items()} == {
        "static-post": ("stored", True),
        "shell": ("stored", True),
    }


def test_a_browser_that_crashes_mid_page_leaves_an_outcome_and_the_crawl_goes_on(serve, tmp_path):
    """The first browser is killed while a page's script waits on a slow request; that
    page keeps its static outcome with the failure in its reason, and the next page
    starts a new browser."""
    if browser_problem(None) is not None:
        pytest.fail(f"rendering needs {browser_problem(None)}")
    from blogarchive.pipelines.rendering import find_browser

    trigger = tmp_path / "slow-request-arrived"

    def slow(handler):
        trigger.touch()
        import time

        time.sleep(5)
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"{}")

    wrapper = tmp_path / "chromium-that-crashes"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ -e "{trigger}.done" ]; then exec "{find_browser(None)}" "$@"; fi\n'
        f'"{find_browser(None)}" "$@" &\n'
        "pid=$!\n"
        f'while [ ! -e "{trigger}" ]; do sleep 0.05; kill -0 $pid 2>/dev/null || exit 0; done\n'
        f'touch "{trigger}.done"\n'
        "kill -9 $pid\n"
        "wait $pid\n"
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    files = site_files("http://127.0.0.2:9")
    files["hangs.html"] = (
        "<html><head><title>Hangs</title></head><body><div id='root'></div>"
        "<script>fetch('/slow').then(() => { document.getElementById('root').innerHTML = '<p>late</p>'; });</script>"
        "</body></html>"
    )
    site = serve(write_site(tmp_path / "site", files), routes={"/slow": slow})
    out = tmp_path / "archive"
    options = ("--render", "auto", "-s", f"RENDER_BROWSER={wrapper}", "-s", "RENDER_MAX_PAGES=1")
    result = crawl(site, out, *options, pages=("/hangs", "/static-post"))
    fetched = outcomes(out)
    assert fetched["hangs"][0] == "no_content" and fetched["hangs"][1] is False
    assert "rendering failed" in fetched["hangs"][2] and "the browser failed" in fetched["hangs"][2], fetched
    assert fetched["static-post"][:2] == ("stored", False)
    assert trigger.exists() and Path(f"{trigger}.done").exists()
    # a new browser for the next page that needs one
    crawl(site, tmp_path / "again", *options, pages=("/shell",))
    assert outcomes(tmp_path / "again")["shell"][:2] == ("stored", True)
    assert "Traceback" not in result.stderr


def test_without_a_browser_auto_says_so_in_one_line_and_always_is_a_usage_error(serve, tmp_path):
    site = serve(write_site(tmp_path / "site", site_files("http://127.0.0.2:9")))
    missing = ("-s", "RENDER_BROWSER=/nonexistent/chromium")
    result = crawl(site, tmp_path / "a", *missing, pages=("/shell", "/static-post"))
    lines = [line for line in result.stderr.splitlines() if "rendering is off" in line]
    assert len(lines) == 1 and "no browser found (/nonexistent/chromium" in lines[0], result.stderr
    assert outcomes(tmp_path / "a")["shell"][:2] == ("no_content", False)
    refused = run_blogarchive("get", site.url("/shell"), "--out", str(tmp_path / "b"), "--render", "always", *missing)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "--render always needs a browser: no browser found" in refused.stderr
    assert not (tmp_path / "b").exists()


def test_the_rules_for_auto():
    shell = "<html><body><div id='root'></div><script src='/main.4f2a.js'></script></body></html>"
    assert shell_marks(shell) == "an empty application root and script bundles"
    assert shell_marks("<body><noscript>Please enable JavaScript.</noscript><p>x</p></body>") is not None
    assert shell_marks("<body><div id='root'><p>Server-rendered text.</p></div><script src='/a.js'></script>") is None
    assert render_reason("auto", shell, "no_content", 0) == "the static page has no main text"
    assert render_reason("auto", shell, "ok", 150) == "an empty application root and script bundles"
    assert render_reason("auto", shell, "ok", 300) is None  # its static text is a post already
    assert render_reason("auto", "<p>short</p><script>x()</script>", "ok", 3).startswith("the static page has 3 words")
    assert render_reason("auto", "<p>a short note, no script</p>", "ok", 5) is None  # its DOM is the page
    assert render_reason("auto", "", "no_content", 0) is None
    assert render_reason("auto", "<script>x()</script>" + "<a href='/p'>p</a>" * 120_000, "ok", 20) is None
    assert render_reason("auto", shell, "extract_timeout", 0) is None
    assert render_reason("never", shell, "no_content", 0) is None
    assert render_reason("always", "<p>x</p>", "ok", 900) is not None
    assert keep_rendered("auto", "no_content", 0, "ok", 10)
    assert not keep_rendered("auto", "ok", 300, "ok", 120)  # the static page said more
    assert not keep_rendered("auto", "ok", 120, "ok", 120)  # the browser added nothing
    assert keep_rendered("auto", "ok", 120, "ok", 121) and keep_rendered("always", "ok", 300, "ok", 120)
    assert not keep_rendered("always", "ok", 300, "no_content", 0)


def test_a_host_whose_renders_bring_nothing_is_rendered_no_more(serve, tmp_path):
    """Pages of a few words and a script that adds nothing: after RENDER_HOST_MISSES
    renders in a row that brought no text, the host's other pages are not rendered."""
    if browser_problem(None) is not None:
        pytest.fail(f"rendering needs {browser_problem(None)}")
    files = {
        f"photo-{n}.html": f"<html><head><title>Photo {n}</title></head><body><article><p>A photo of boat {n}.</p>"
        "</article><script>window.counter = 1;</script></body></html>"
        for n in range(8)
    }
    site = serve(write_site(tmp_path / "site", files))
    out = tmp_path / "archive"
    pages = tuple(f"/photo-{n}" for n in range(8))
    crawl(site, out, "--render", "auto", "-s", "RENDER_HOST_MISSES=2", "-s", "CONCURRENT_REQUESTS=1", pages=pages)
    reasons = [reason or "" for _, _, reason in outcomes(out).values()]
    tried = [r for r in reasons if r.startswith("rendered in a browser (the static page has 5 words and scripts)")]
    spared = [r for r in reasons if r.startswith("not rendered: the last 2 renders on this host brought no text")]
    assert len(tried) + len(spared) == 8 and 2 <= len(tried) < 8 and spared, reasons
    assert all("the static page's text was kept (5 words; rendered, 5)" in r for r in tried)
    assert not any(rendered for _, rendered, _ in outcomes(out).values())


def _browser_processes() -> set[int]:
    """Live (not zombie) processes of a Chromium or of Playwright's driver."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if "State:\tZ" not in text and (b"chrom" in command or b"playwright/driver" in command):
            found.add(int(status.parent.name))
    return found


def test_a_page_that_floods_the_browser_fails_at_the_timeout_and_leaves_no_browser(serve, tmp_path):
    """history.pushState in a loop kept a browser busy (and growing) past any timeout that
    waits for the page to be closed; the render fails at RENDER_TIMEOUT, the crawl ends,
    and no browser process outlives the command."""
    if browser_problem(None) is not None:
        pytest.fail(f"rendering needs {browser_problem(None)}")
    files = site_files("http://127.0.0.2:9")
    files["flood.html"] = (
        "<html><head><title>Flood</title></head><body><div id='root'></div><script src='/flood.js'></script></body></html>"
    )
    files["flood.js"] = "setTimeout(() => { for (let i = 0; ; i++) history.pushState({}, '', '?' + i); }, 200);"
    site = serve(write_site(tmp_path / "site", files))
    before = _browser_processes()
    out = tmp_path / "archive"
    crawl(site, out, "--render", "auto", "-s", "RENDER_TIMEOUT=3", pages=("/flood", "/static-post"))
    fetched = outcomes(out)
    assert fetched["flood"][0] == "no_content" and "the browser took longer than 3 s" in fetched["flood"][2]
    assert fetched["static-post"][:2] == ("stored", False)
    assert not (_browser_processes() - before)
