"""The `blog` spider: one or more blogs from their start URLs.

Discovery goes through robots.txt sitemaps, /sitemap.xml (indexes and gzip
included), RSS/Atom feeds found through <link rel="alternate"> (or linked), and
links on the pages, within the start URLs' hosts. With CRAWL_FOLLOW off it
fetches only the given URLs (`blogarchive get`).

Every request has an errback, and every response or failure becomes an item:
a `FetchedPage` to extract or a `FetchRecord` saying why there is none.

Into an existing archive the crawl is incremental. The storage pipeline
announces what the archive knows (`archive_opened`); a known page is skipped
when a sitemap or feed date says it has not changed since its last capture (or,
without a date, when it was captured less than CRAWL_REVISIT_AFTER ago), and is
otherwise asked for with If-None-Match / If-Modified-Since. New URLs go first.
A skipped or 304 page still leads on through the links stored with it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import safe_url_string

from blogarchive.pipelines import signals as project_signals
from blogarchive.pipelines.dates import parse_duration
from blogarchive.pipelines.items import ExtractedPage, FetchedPage, FetchRecord
from blogarchive.pipelines.links import ascii_host, effective_port, host_of, read_url_file, without_userinfo
from blogarchive.pipelines.stats import PAGE_OUTCOME, SKIPPED_DATED, SKIPPED_RECENT

from .. import discovery
from ..addresses import PublicAddressResolver
from ..encoding import binary_share, decode_body
from ..failures import FamilyHeld, OverPageBudget, TrapURL, classify
from ..families import FamilyBudget
from ..frontier import Fresh, Frontier, PageBudget, RevisitPolicy, Trap, TrapGuards
from ..middlewares import host_allowed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from blogarchive.archive.state import ArchiveState, KnownPage

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
#: priority bonus of URLs the archive does not know yet: new pages are fetched first
NEW_PAGE_PRIORITY = 1000
#: a body with a larger share of control bytes is binary, whatever its Content-Type
BINARY_SHARE = 0.02
#: HTTP statuses of a server that is busy or failing: neutral to URL families
_UNAVAILABLE = frozenset({429, *range(500, 600)})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _seeds(urls: list[str]) -> list[str]:
    """Start URLs as requested, once each: no credentials, and an international host name in
    its ASCII (IDNA) spelling, the one Scrapy sends and the scope rules compare."""
    return list(dict.fromkeys(safe_url_string(without_userinfo(url.strip())) for url in urls))


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class BlogSpider(Spider):
    name = "blog"

    def __init__(
        self,
        url: str | None = None,
        urls: list[str] | str | None = None,
        follow: bool | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        given = [url] if url else []
        if isinstance(urls, str):
            given += urls.split()
        elif urls:
            given += list(urls)
        self.start_urls = _seeds(given)
        self._follow_arg = follow
        self.follow = True
        self.frontier = Frontier()
        self.budget = PageBudget()
        self.families = FamilyBudget(0)
        self.allowed_domains: list[str] = []
        self.maxsize = 0
        self.max_sitemap_nesting = 0
        self.max_sitemap_urls = 0
        self.conditional = True
        self.seed_hosts: set[str] = set()
        self.seed_ports: dict[str, set[int | None]] = {}
        self.proxy_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if path := settings.get("CRAWL_INPUT_FILE"):  # what --input-file gives `blogarchive crawl`
            spider.start_urls = _seeds([*spider.start_urls, *read_url_file(path)])
        if not spider.start_urls:
            raise ValueError("give the start URL: -a url=https://blog.example/ (or -s CRAWL_INPUT_FILE=FILE)")
        follow = spider._follow_arg
        if isinstance(follow, str):
            follow = follow.strip().lower() not in ("0", "false", "no", "off")
        spider.follow = settings.getbool("CRAWL_FOLLOW") if follow is None else bool(follow)
        spider.budget = PageBudget(settings.getint("CRAWL_MAX_PAGES"), settings.getint("CRAWL_MAX_PAGES_PER_HOST"))
        spider.frontier = Frontier(
            follow=spider.follow,
            max_depth=settings.getint("CRAWL_DEPTH"),
            guards=TrapGuards(
                settings.getint("CRAWL_MAX_URL_LENGTH"),
                settings.getint("CRAWL_MAX_QUERY_PARAMS"),
                settings.getint("CRAWL_MAX_PATH_REPEATS"),
            ),
            policy=RevisitPolicy(timedelta(seconds=parse_duration(settings.get("CRAWL_REVISIT_AFTER") or 0))),
            strip_params=settings.getlist("CRAWL_STRIP_PARAMS"),
            allowed=spider._allowed,
        )
        spider.max_sitemap_nesting = settings.getint("CRAWL_MAX_SITEMAP_NESTING")
        spider.max_sitemap_urls = settings.getint("CRAWL_MAX_SITEMAP_URLS")
        spider.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        spider.families = FamilyBudget(settings.getint("CRAWL_FAMILY_BUDGET") if spider.follow else 0)
        crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
        # printing needs every body: no 304s then
        spider.conditional = not settings.getbool("PRINT_TEXT")
        crawler.signals.connect(spider.archive_opened, signal=project_signals.archive_opened)
        crawler.signals.connect(spider.page_links, signal=project_signals.page_links)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.report_families, signal=project_signals.archive_closing)
        #: the hosts this crawl may find at private addresses: the ones it was given
        spider.seed_hosts = {host_of(u) for u in spider.start_urls}
        #: and the ports they were given on: a private start host's other ports are other services
        for url in spider.start_urls:
            spider.seed_ports.setdefault(host_of(url), set()).add(effective_port(url))
        #: the proxies it was told to use for some hosts (CRAWL_HOST_PROXIES: the demo's server):
        #: it may connect to them wherever they are, but no URL may lead there
        spider.proxy_hosts = {host_of(p) for p in settings.getdict("CRAWL_HOST_PROXIES").values()}
        hosts = {urlsplit(u).hostname for u in spider.start_urls} | {
            ascii_host(h) for h in settings.getlist("CRAWL_ALLOW_HOSTS")
        }
        # `get` fetches what it was given, wherever it redirects; crawls stay on their hosts.
        spider.allowed_domains = sorted(h for h in hosts if h) if spider.follow else []
        return spider

    def archive_opened(self, state: ArchiveState) -> None:
        self.frontier.known = state.pages

    @property
    def known(self) -> dict[str, KnownPage]:
        """What the archive holds, by URL (empty without an archive, or a new one)."""
        return self.frontier.known

    # --- requests -------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for request in self._seed_requests():
            yield request

    def _seed_requests(self) -> Iterator[Request]:
        for url in self.start_urls:
            yield from self._page_requests(url, depth=0)
            if self.follow:
                parts = urlsplit(url)
                root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
                yield from self._discovery_requests(root + "/robots.txt", "robots")
                yield from self._discovery_requests(root + "/sitemap.xml", "sitemap")

    def _page_requests(self, url: str, depth: int, changed: datetime | None = None) -> Iterator[Request]:
        """The requests the frontier decides on for `url` (and for the links stored with
        the known pages it spares); `changed`: when a sitemap or feed says it last changed."""
        for step in self.frontier.visit(url, depth, changed, _now()):
            if isinstance(step, Trap):
                self._refuse(step.url, "trap", step.reason)
            elif isinstance(step, Fresh):
                self.crawler.stats.inc_value(SKIPPED_DATED if step.dated else SKIPPED_RECENT)
            else:  # its page slot is taken as it leaves the scheduler
                yield self._page_request(step.url, step.depth, step.known)

    def _refuse(self, url: str, outcome: str, reason: str) -> None:
        """Record a URL the crawl will not request (it has no response to yield from)."""
        self.crawler.stats.inc_value(f"crawl/{outcome}")
        self.crawler.stats.inc_value(PAGE_OUTCOME + outcome)
        record = FetchRecord(url=url, kind="page", outcome=outcome, fetched_at=_now(), reason=reason)
        self.crawler.signals.send_catch_log(project_signals.fetch_recorded, record=record)

    def admit(self, request: Request) -> type[IgnoreRequest] | IgnoreRequest | None:
        """What drops a page request as it leaves the scheduler (PageAdmissionMiddleware),
        or None when it goes out: `FamilyHeld` when its URL family is closed (known pages
        are always re-checked; a held page is requested after all if its family reopens),
        `OverPageBudget` past CRAWL_MAX_PAGES or CRAWL_MAX_PAGES_PER_HOST. The page slot is
        taken here, once per page (retries and redirect legs carry it in `meta`), so
        requests a trap queued and that are then held cost no slot."""
        if request.meta.get("kind") != "page":
            return None
        url = request.url
        if request.meta.get("redirect_times") and (why := self.frontier.guards.reason(url)) is not None:
            return TrapURL(why)  # a redirect is held to the same guards as a link
        if (
            url not in self.known
            and not request.meta.get("family_probe")
            and self.families.hold(url, (url, request.meta.get("hops", 0)))
        ):
            if (host := request.meta.pop("page_slot", None)) is not None:  # a redirect leg: give its slot back
                self.budget.give_back(host)
            return FamilyHeld
        if "page_slot" not in request.meta:
            if (limit := self.budget.take(url)) is not None:
                self.crawler.stats.inc_value(f"crawl/skipped_{limit}")
                return OverPageBudget
            request.meta["page_slot"] = host_of(url)
        return None

    def item_scraped(self, item: Any) -> None:
        """Count each page's outcome (with or without an archive: `get --print` has none)
        and feed it to the URL families' budget."""
        if isinstance(item, ExtractedPage):
            url, outcome = item.page.requested_url, "stored"
        elif isinstance(item, FetchRecord) and item.kind == "page":
            url, outcome = item.requested_url or item.url, item.outcome
        else:
            return
        self.crawler.stats.inc_value(PAGE_OUTCOME + outcome)
        self._answer_family(url, item, outcome)

    def _answer_family(self, url: str, item: ExtractedPage | FetchRecord, outcome: str) -> None:
        """Tell the URL families how `url` answered; request what a reopened family held."""
        if outcome == "http_error" and isinstance(item, FetchRecord) and (item.status or 0) in _UNAVAILABLE:
            outcome = "unavailable"  # a busy or failing server, not a trap
        # a redirect's answer counts for the URL asked for: variants that all redirect to
        # one page the archive has (`unchanged` for that page) are a family of duplicates
        redirected = url != (item.page.url if isinstance(item, ExtractedPage) else item.url)
        released = self.families.answered(url, "duplicate" if redirected and outcome == "unchanged" else outcome)
        for held_url, depth in released:  # a probe brought something new: its family reopened
            self.frontier.mark_seen(held_url)  # a redirect target, maybe: not found twice
            self.crawler.engine.crawl(self._page_request(held_url, depth, None))

    def spider_idle(self) -> None:
        """New pages and dated ones are done: now re-check the known pages left,
        and once, the known pages nothing led to this time (so a deleted post that
        is no longer linked is still found `gone`); then one last probe for each closed
        URL family."""
        scheduled = False
        for url in self.frontier.orphans():
            if not self._on_a_start_port(url):
                continue
            for request in self._page_requests(url, 1):
                self.crawler.engine.crawl(request)
                scheduled = True
        for url, depth in self.frontier.undated().items():
            self.crawler.engine.crawl(self._page_request(url, depth, self.known[url]))
            scheduled = True
        for url, depth in self.families.last_probes():  # closed families: one last chance each
            request = self._page_request(url, depth, None)
            request.meta["family_probe"] = True
            self.crawler.engine.crawl(request)
            scheduled = True
        if scheduled:
            raise DontCloseSpider

    def report_families(self) -> None:
        """One `trap` row per URL family for the URLs it held and never gave back, as the
        crawl closes (`archive_closing`), whether it ran out of work or was stopped."""
        for family in self.families.unreported():
            self._refuse(family.url, "trap", family.reason)

    def _page_request(self, url: str, depth: int, known: KnownPage | None) -> Request:
        headers = {}
        if known is not None and self.conditional:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            headers=headers,
            meta={"kind": "page", "hops": depth, "handle_httpstatus_list": [304]},
            priority=-depth + (0 if known is not None else NEW_PAGE_PRIORITY),
            # the frontier dedups; Scrapy's filter would also drop redirects back to a
            # seen URL, so loops would vanish instead of ending as `redirect_loop`.
            dont_filter=True,
        )

    def _discovery_requests(self, url: str, kind: str, nesting: int = 0) -> Iterator[Request]:
        """The request for a robots.txt, sitemap or feed, unless the URL was seen (as a
        page link too: a feed is often linked as well as announced). `nesting` counts
        the sitemap indexes above a sitemap."""
        if not self.frontier.first_visit(url):
            return
        yield Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={"kind": kind, "hops": 0, "nesting": nesting},
            # before pages: sitemap and feed dates can spare requests for known pages
            priority=2 * NEW_PAGE_PRIORITY,
        )

    # --- responses ------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        kind = response.meta.get("kind", "page")
        yield from self._redirects(response, kind)
        content_type = _header(response, "Content-Type")
        if response.status == 304:
            yield from self._not_modified(response)
            return
        if kind == "robots":
            text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
            sitemaps = discovery.robots_sitemaps(text, response.url)
            yield self._record(response, kind, "discovered", f"{len(sitemaps)} sitemaps")
            for url in sitemaps:
                yield from self._discovery_requests(url, "sitemap")
            return
        if kind == "page" and isinstance(response, HtmlResponse):
            yield from self._parse_page(response, content_type)
            return
        # a sitemap or feed, whatever it was requested as (a linked feed, a .xml.gz sitemap)
        body = discovery.ungzip(response.body, self.maxsize)
        xml_kind = discovery.xml_kind(body)
        if xml_kind in ("sitemap", "sitemapindex"):
            yield from self._parse_sitemap(response, body, xml_kind)
        elif xml_kind == "feed":
            yield from self._parse_feed(response, body)
        elif kind != "page":
            yield self._record(
                response, kind, "not_html", f"not a sitemap or feed ({content_type or 'no Content-Type'})"
            )
        elif self._is_html(content_type):
            yield from self._parse_page(response, content_type)
        else:
            yield self._record(response, kind, "not_html", content_type or "no Content-Type")

    @staticmethod
    def _is_html(content_type: str | None) -> bool:
        mime = (content_type or "").split(";")[0].strip().lower()
        return mime in _HTML_TYPES

    def _not_modified(self, response: Response) -> Iterator[Any]:
        known = self.known.get(response.url) or self.known.get(response.request.url if response.request else "")
        yield FetchRecord(
            url=response.url,
            kind="page",
            outcome="not_modified",
            fetched_at=_now(),
            status=304,
            reason="conditional request",
            content_hash=known.content_hash if known else None,
            etag=_header(response, "ETag") or (known.etag if known else None),
            last_modified=_header(response, "Last-Modified") or (known.last_modified if known else None),
            warc=response.meta.get("warc"),
        )
        if self.follow and known is not None:
            depth = response.meta.get("hops", 0) + 1
            for link in known.links:
                if self._allowed(link):
                    yield from self._page_requests(link, depth)

    def _parse_page(self, response: Response, content_type: str | None) -> Iterator[Any]:
        if (share := binary_share(response.body)) > BINARY_SHARE:
            yield self._record(
                response, "page", "not_html", f"binary body ({share:.0%} control bytes) served as {content_type}"
            )
            return
        # one decode (ours, which finds lying charsets); the page is parsed once, by the
        # extraction worker, which reads its links too (see page_links)
        html, encoding, note = decode_body(response.body, content_type)
        yield FetchedPage(
            url=response.url,
            requested_url=(response.meta.get("redirect_urls") or [response.url])[0],
            status=response.status,
            fetched_at=_now(),
            html=html,
            encoding=encoding,
            content_type=content_type,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            encoding_note=note,
            depth=response.meta.get("hops", 0),
            warc=response.meta.get("warc"),
        )

    def page_links(self, page: FetchedPage, alternates: tuple[tuple[str, str | None], ...]) -> None:
        """Follow the links an extraction worker read from a page (signal `page_links`)."""
        if not self.follow:
            return
        depth = page.depth + 1
        if depth == 1:  # the start page's feeds are the blog's; posts' own are comment feeds
            for url, content_type in alternates:
                if discovery.is_feed_link_type(content_type) and self._allowed(url):
                    for request in self._discovery_requests(url, "feed"):
                        self.crawler.engine.crawl(request)
        for link in page.links:
            if self._allowed(link):
                for request in self._page_requests(link, depth):
                    self.crawler.engine.crawl(request)

    def _parse_sitemap(self, response: Response, body: bytes, kind: str) -> Iterator[Any]:
        entries = discovery.sitemap_entries(body, response.url)
        note = (
            f"; only the first {self.max_sitemap_urls} read (CRAWL_MAX_SITEMAP_URLS)"
            if len(entries) > self.max_sitemap_urls
            else ""
        )
        yield self._record(response, "sitemap", "discovered", f"{kind}: {len(entries)} URLs{note}")
        nesting = response.meta.get("nesting", 0) + 1
        for url, lastmod in entries[: self.max_sitemap_urls]:
            if not self._allowed(url):
                continue
            if kind != "sitemapindex":
                yield from self._page_requests(url, 1, lastmod)
            elif nesting > self.max_sitemap_nesting:
                self._refuse(
                    url,
                    "trap",
                    f"sitemap index nested deeper than {self.max_sitemap_nesting} (CRAWL_MAX_SITEMAP_NESTING)",
                )
            else:
                yield from self._discovery_requests(url, "sitemap", nesting)

    def _parse_feed(self, response: Response, body: bytes) -> Iterator[Any]:
        entries = discovery.feed_entries(body, response.url)
        yield self._record(response, "feed", "discovered", f"feed: {len(entries)} entries")
        for url, date in entries[: self.max_sitemap_urls]:
            if self._allowed(url):
                yield from self._page_requests(url, 1, date)

    def _on_a_start_port(self, url: str) -> bool:
        """False for a known page of a start host on another port than the crawl was given:
        another server of the same machine (the archive keeps every site's pages), not this
        crawl's to re-check."""
        ports = self.seed_ports.get(host_of(url))
        return ports is None or effective_port(url) in ports

    def _allowed(self, url: str) -> bool:
        return host_allowed(url, self.allowed_domains)

    def _redirects(self, response: Response, kind: str) -> Iterator[FetchRecord]:
        chain = response.meta.get("redirect_urls") or []
        targets = [*chain[1:], response.url]
        captures = response.meta.get("warc_by_url") or {}
        for source, target in zip(chain, targets):
            yield FetchRecord(
                url=source,
                kind=kind,
                outcome="redirected",
                fetched_at=_now(),
                status=None,
                reason=f"redirected to {target}",
                warc=captures.get(source),
            )

    def _record(self, response: Response, kind: str, outcome: str, reason: str | None) -> FetchRecord:
        chain = response.meta.get("redirect_urls") or []
        return FetchRecord(
            url=response.url,
            kind=kind,
            outcome=outcome,
            fetched_at=_now(),
            status=response.status,
            reason=reason,
            warc=response.meta.get("warc"),
            requested_url=chain[0] if chain else None,
        )

    # --- failures -------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[FetchRecord]:
        """The `fetches` row of a request that failed (crawler.failures classifies it)."""
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("kind", "page")
        chain = request.meta.get("redirect_urls") or []
        url = chain[0] if chain else request.url
        exc = failure.value
        capture = None
        if isinstance(exc, HttpError):
            capture = exc.response.meta.get("warc")
            yield from self._redirects(exc.response, kind)
            url = exc.response.url
        failed = classify(
            exc,
            redirects=len(chain),
            request_url=request.url,
            maxsize=self.maxsize,
            blocked_reason=PublicAddressResolver.blocked.get(host_of(request.url)),
            known=isinstance(exc, HttpError) and (url in self.known or request.url in self.known),
        )
        if failed is None:
            return  # counted (by the family, reported once for all of them; in the stats)
        if kind != "page" and failed.outcome == "http_error":
            logger.info("no %s at %s (%s)", kind, url, failed.reason)
        yield FetchRecord(
            url=url,
            kind=kind,
            outcome=failed.outcome,
            fetched_at=_now(),
            status=failed.status,
            reason=failed.reason,
            warc=capture,
            requested_url=chain[0] if chain else None,
        )
