"""Rendering a page in a real browser (Chromium through Playwright), for the pages whose
text arrives by script.

A render is a request through Scrapy's downloader (meta `render`), so it waits for the
host's delay and counts against its concurrency like any other request. The page itself
is not fetched again: the browser is handed the static response's body for the page's
own URL, so the DOM rendered is that of the capture in the archive. What the page's
script then asks for (its bundles, its JSON) goes out from the browser, each request
checked against the crawl's address rules first: a request for a private, loopback or
link-local address the crawl may not reach is aborted before it is made, and recorded.

The browser starts at the first page that needs it, not with the crawl: Playwright's
driver alone is a 150 MB process. Each page gets a fresh browser context (no cookies or
storage shared between pages), no downloads, no pop-ups, no service workers, no web
sockets, and no navigation away from the page; at most RENDER_MAX_PAGES render at once,
and one that takes longer than RENDER_TIMEOUT seconds fails. A browser that crashes
fails the pages it held; the next page starts a new one.

Why Playwright directly rather than scrapy-playwright: scrapy-playwright starts
Playwright's driver when the engine starts, in every crawl, whether a page needs it or
not (0.26 s and 150 MB measured here), and starting it later means calling its private
methods. What it would add beyond that (page per request, header handling) is the part
this module needs least.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import HtmlResponse, Request, Response

from blogarchive.pipelines.rendering import RENDER_META, browser_problem, find_browser

from .addresses import blocked_reason, other_service_reason
from .download import BoundedHTTPDownloadHandler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["RenderFailed", "Renderer", "RenderingDownloadHandler"]

logger = logging.getLogger(__name__)

#: the browser's own flags: root in a container has no sandbox; /dev/shm is small there
_FLAGS = [
    # the browser's own network goes to a proxy where nothing listens: every request of the
    # page is made by us (route.fetch, checked hop by hop), and whatever Chromium would fetch
    # on its own, past the routes (speculation-rules prefetch and prerender), fails
    "--proxy-server=http://127.0.0.1:1",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # nor does it resolve a name itself
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--mute-audio",
    "--disable-breakpad",
    # one page's script may not take the machine's memory: its heap ends at 1 GB (the page crashes)
    "--js-flags=--max-old-space-size=1024",
]


#: redirects a request of the page's script may take (Chromium's own limit is 20)
_MAX_HOPS = 10


class RenderFailed(Exception):
    """The browser could not render the page (a timeout, a crash, no browser)."""


@dataclass
class Rendered:
    html: str
    #: "URL (why)" of each request the page's script made that was aborted
    blocked: list[str] = field(default_factory=list)


class Renderer:
    """One browser for the crawl, started at the first page that needs it."""

    def __init__(self, crawler: Crawler, executable: str, timeout: float, max_pages: int) -> None:
        self.crawler = crawler
        #: the largest answer to a request of the page's script, as for the crawl's own
        self.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE") or 16 * 1024 * 1024
        self.executable = executable
        self.timeout = timeout
        self._pages = asyncio.Semaphore(max_pages)
        self._start_lock = asyncio.Lock()
        self._playwright: Any = None
        self._browser: Any = None

    async def _browser_ready(self) -> Any:
        async with self._start_lock:
            if self._browser is None or not self._browser.is_connected():
                from playwright.async_api import async_playwright

                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                    # a forced exit (a second Ctrl-C or SIGTERM) skips close(): the driver,
                    # and the browser with it, must not outlive the crawl
                    atexit.register(_kill_driver, self._playwright)
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self.executable, headless=True, args=_FLAGS, timeout=self.timeout * 1000
                )
                self.crawler.stats.inc_value("render/browser_started")
            return self._browser

    async def render(self, url: str, body: bytes, status: int) -> Rendered:
        """The DOM of the page at `url` whose static response was `body`, after its
        scripts ran (until the network is idle, or RENDER_TIMEOUT)."""
        async with self._pages:
            # not wait_for: it waits for the cancelled render to finish, and a page that
            # floods the browser (history.pushState in a loop) keeps even closing it waiting
            task = asyncio.ensure_future(self._render(url, body, status))
            done, _ = await asyncio.wait({task}, timeout=self.timeout)
            if not done:
                task.cancel()
                task.add_done_callback(_consume)
                await self.close()  # a browser that does not answer in time: the next page starts a new one
                raise RenderFailed(f"the browser took longer than {self.timeout:g} s")
            try:
                return task.result()
            except Exception as exc:  # Playwright's errors: a crash, a closed target, a failed launch
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise RenderFailed(f"the browser failed: {message}") from None

    async def _render(self, url: str, body: bytes, status: int) -> Rendered:
        browser = await self._browser_ready()
        context = await browser.new_context(accept_downloads=False, service_workers="block")
        rendered = Rendered(html="")
        try:
            await context.add_init_script(_NO_PEER_CONNECTIONS)
            await context.route_web_socket("**", _refuse_web_socket)
            page = await context.new_page()
            page.on("popup", _close_popup)
            served = False

            async def route(route: Any, request: Any) -> None:
                # on the context, not the page: a pop-up is a page of the context too
                nonlocal served
                if request.is_navigation_request() and _frame_page(request) is not page:
                    rendered.blocked.append(f"{request.url} (a pop-up)")
                    await route.abort("blockedbyclient")
                elif request.is_navigation_request() and request.frame == page.main_frame:
                    if not served:  # our own page.goto (Chromium may have normalised its URL: `a/../b`)
                        served = True
                        await route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")
                    else:  # the page's script sends it elsewhere: its DOM is what we came for
                        rendered.blocked.append(f"{request.url} (a navigation away from the page)")
                        await route.abort("blockedbyclient")
                else:
                    await self._fetch(route, request.url, rendered)

            await context.route("**/*", route)
            await page.goto(url, wait_until="load")
            try:  # the page's own requests (its JSON) settle; a page that polls for ever does not
                await page.wait_for_load_state("networkidle", timeout=min(5000, self.timeout * 500))
            except Exception:  # Playwright's TimeoutError: take the DOM as it is
                pass
            rendered.html = await page.content()
            return rendered
        finally:
            try:
                await context.close()
            except Exception:  # the browser is gone: nothing left to close
                pass

    async def _fetch(self, route: Any, url: str, rendered: Rendered) -> None:
        """Make a request of the page's script ourselves, following its redirects one hop
        at a time, each hop checked before it is made: the browser connects nowhere by
        itself, so neither a redirect to a private address nor a name only a browser
        resolves (`*.localhost`) gets past the rules. The page gets the last answer."""
        for hop in range(_MAX_HOPS + 1):
            why = await self._blocked(url)
            if why is not None:
                rendered.blocked.append(f"{url} ({why})")
                self.crawler.stats.inc_value("render/blocked_requests")
                await route.abort("blockedbyclient")
                return
            try:
                response = await route.fetch(url=url, max_redirects=0, timeout=self.timeout * 1000)
                size = len(await response.body())
            except Exception:  # refused, reset, timed out: the page sees a failed request
                await route.abort("failed")
                return
            if size > self.max_bytes:
                rendered.blocked.append(f"{url} (larger than DOWNLOAD_MAXSIZE, {self.max_bytes} bytes)")
                await route.abort("failed")
                return
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                await route.fulfill(response=response)
                return
            if hop == _MAX_HOPS:
                break
            url = urljoin(url, location)
        rendered.blocked.append(f"{url} (more than {_MAX_HOPS} redirects)")
        await route.abort("failed")

    async def _blocked(self, url: str) -> str | None:
        """Why the page's script must not reach `url`, or None: the static fetcher's rules."""
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            return None
        if parts.scheme not in ("http", "https"):
            return f"not http: {parts.scheme}"
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return "an invalid port"
        if (why := other_service_reason(self.crawler, host, port)) is not None:
            return why
        if host == "localhost" or host.endswith(".localhost"):
            addresses = {"127.0.0.1"}  # what browsers make of any *.localhost name, without asking DNS
        else:
            try:
                found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError:
                return "its host name does not resolve"
            addresses = {str(info[4][0]) for info in found}
        for address in addresses:
            if (why := blocked_reason(self.crawler, host, address)) is not None:
                return why
        return None

    async def close(self) -> None:
        """Close the browser and Playwright's driver, each given CLOSE_SECONDS; a driver
        that does not stop by then is killed, and the browser ends with it (its pipe to
        the driver closes)."""
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        if browser is not None and not await _within(browser.close(), CLOSE_SECONDS):
            logger.info("the browser did not close in %g s", CLOSE_SECONDS)
        if playwright is not None and not await _within(playwright.stop(), CLOSE_SECONDS):
            _kill_driver(playwright)


def _kill_driver(playwright: Any) -> None:
    """Kill Playwright's driver process, if it still runs; its browser ends with it (the
    pipe between them closes). Playwright keeps the process there, with no public handle."""
    process = getattr(getattr(getattr(playwright, "_connection", None), "_transport", None), "_proc", None)
    if process is not None and process.returncode is None:
        try:
            process.kill()
        except (ProcessLookupError, OSError):
            pass


#: seconds the browser and Playwright's driver get to close
CLOSE_SECONDS = 5.0


async def _within(closing: Any, seconds: float) -> bool:
    """Await `closing` for at most `seconds`; whether it finished (an error counts: the
    thing is gone)."""
    task = asyncio.ensure_future(closing)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
    task.add_done_callback(_consume)
    return bool(done)


def _consume(task: asyncio.Future[Any]) -> None:
    """Read a finished task's exception, so that asyncio does not log it as never read."""
    if not task.cancelled():
        task.exception()


#: run in every frame before the page's own scripts: WebRTC and WebTransport open sockets
#: (STUN, TURN, QUIC) that no route or proxy sees, and a shared worker's requests are not routed
_NO_PEER_CONNECTIONS = """
for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel", "SharedWorker", "WebTransport"]) {
  try { Object.defineProperty(window, name, {value: undefined, writable: false, configurable: false}); } catch (e) {}
}
"""


def _frame_page(request: Any) -> Any:
    """The page a request's frame belongs to (None for a worker's request)."""
    try:
        return request.frame.page
    except Exception:  # a service or shared worker's request has no frame
        return None


async def _close_popup(page: Any) -> None:
    await page.close()


async def _refuse_web_socket(socket_route: Any) -> None:
    await socket_route.close()


class RenderingDownloadHandler(BoundedHTTPDownloadHandler):
    """The crawl's HTTP download handler, which hands requests marked `render` to the
    browser instead (when CRAWL_RENDER is not `never` and a browser is there)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.renderer: Renderer | None = None
        if settings.get("CRAWL_RENDER", "never") != "never" and browser_problem(settings.get("RENDER_BROWSER")) is None:
            executable = find_browser(settings.get("RENDER_BROWSER"))
            assert executable is not None  # browser_problem said there is one
            self.renderer = Renderer(
                crawler, executable, settings.getfloat("RENDER_TIMEOUT"), settings.getint("RENDER_MAX_PAGES")
            )

    async def download_request(self, request: Request) -> Response:
        wanted = request.meta.get(RENDER_META)
        if wanted is None:
            return await super().download_request(request)
        if self.renderer is None:
            raise RenderFailed("rendering is off")
        rendered = await self.renderer.render(request.url, wanted["body"], wanted["status"])
        request.meta["render_blocked"] = rendered.blocked
        return HtmlResponse(
            url=request.url,
            status=wanted["status"],
            headers={"Content-Type": "text/html; charset=utf-8"},
            body=rendered.html.encode("utf-8", "replace"),
            encoding="utf-8",
            request=request,
            flags=["rendered"],
        )

    async def close(self) -> None:
        if self.renderer is not None:
            await self.renderer.close()
        await super().close()
