"""ExtractionPipeline: FetchedPage -> ExtractedPage, or a FetchRecord saying why not.

Extraction runs in a pool of worker processes (EXTRACTION_PROCESSES, default one
per core), off the reactor thread: the crawl process goes on fetching while
workers extract. `process_item` awaits its page's result, so Scrapy's scraper
keeps the response active meanwhile; once SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes of
responses wait, the engine stops downloading — the back-pressure that keeps
memory flat when extraction falls behind. EXTRACTION_PROCESSES = 0 extracts in
the crawl process itself (no pool).

The default (-1) is one worker per core, except for a crawl that only fetches the pages
it is given (`get`) and is given fewer than EXTRACTION_POOL_MIN_PAGES: starting a worker
costs more than extracting a handful of pages. Those are extracted in the crawl process,
whose extractor loads in a thread as the crawl opens, while robots.txt and the first
page are fetched; should such a crawl come to more pages after all (a sitemap or a feed
given to `get` lists its entries), the pool starts at the EXTRACTION_POOL_MIN_PAGES-th.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from multiprocessing import active_children, get_context
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from . import signals as project_signals
from .items import ExtractedPage, FetchedPage, FetchRecord
from .rendering import RENDER_META, browser_problem, keep_rendered, render_reason
from .worker import Result, extract_page, load_extractor, ready, start_worker

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from .document import Document

logger = logging.getLogger(__name__)


class ExtractionPipeline:
    def __init__(
        self,
        processes: int,
        crawler: Crawler | None = None,
        timeout: float | None = None,
        max_links: int = 0,
        max_elements: int | None = None,
        large_page: int = 0,
        pool_after: int = 0,
        render: str = "never",
        host_misses: int = 0,
    ) -> None:
        #: workers of the pool (0: every page is extracted in the crawl process)
        self.processes = processes
        #: pages extracted in the crawl process before the pool starts (0: it starts with the crawl)
        self.pool_after = pool_after
        self.extracted_here = 0
        self._loader: threading.Thread | None = None
        self.timeout = timeout
        self.max_links = max_links
        self.max_elements = max_elements
        #: pages of more characters than this go to the workers one at a time (0: no bound)
        self.large_page = large_page
        self._large_pages: asyncio.Semaphore | None = None
        self.crawler = crawler
        self.stats = crawler.stats if crawler is not None else None
        self.pool: ProcessPoolExecutor | None = None
        #: how many pools this crawl has started; a page retries once in a new one
        self.generation = 0
        #: never, auto or always (pipelines.rendering): `never` where no browser is there
        self.render = render
        #: renders in a row on one host that brought no text, after which the host's pages
        #: are not rendered (0: no limit); and the count of each host so far
        self.host_misses = host_misses
        self._misses: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        # trafilatura warns about each page it finds too short; the page's `fetches`
        # row already says so, with the reason
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        settings = crawler.settings
        processes, pool_after = settings.getint("EXTRACTION_PROCESSES", -1), 0
        if processes < 0:
            processes, pool_after = auto_processes(crawler)
        render = settings.get("CRAWL_RENDER", "never")
        if render != "never" and (problem := browser_problem(settings.get("RENDER_BROWSER"))) is not None:
            logger.warning("rendering is off: %s; pages that need a browser are archived as fetched", problem)
            render = "never"
        return cls(
            processes,
            crawler,
            settings.getfloat("EXTRACTION_TIMEOUT") or None,
            settings.getint("CRAWL_MAX_LINKS_PER_PAGE"),
            settings.getint("EXTRACTION_MAX_ELEMENTS"),
            settings.getint("EXTRACTION_LARGE_PAGE_CHARS"),
            pool_after,
            render,
            settings.getint("RENDER_HOST_MISSES"),
        )

    def open_spider(self) -> None:
        if self.processes and not self.pool_after:
            self._start_pool()
        else:
            # the reactor waits on the network now: load the extractor meanwhile, not when
            # the first page is ready (the import releases the GIL while it reads files)
            self._loader = threading.Thread(target=load_extractor, name="load-extractor", daemon=True)
            self._loader.start()

    def _start_pool(self) -> None:
        self.generation += 1
        self.pool = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=get_context("spawn"),
            initializer=start_worker,
            initargs=(os.getpid(),),
        )
        for _ in range(self.processes):  # start every worker now: each loads the extractor
            self.pool.submit(ready)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        result = await self._result(item)
        if self.render != "never" and self.crawler is not None:
            why = render_reason(self.render, item.html, result.outcome, _words(result))
            host = urlsplit(item.url).hostname or ""
            if why is not None and self.host_misses and self._misses[host] >= self.host_misses:
                self._inc("render/skipped_host")
                item = replace(
                    item, render_note=f"not rendered: the last {self.host_misses} renders on this host brought no text"
                )
            elif why is not None:
                item, result = await self._rendered(item, result, why)
                self._misses[host] = 0 if item.rendered else self._misses[host] + 1
        return self._item(item, result)

    async def _rendered(self, item: FetchedPage, static: Result, why: str) -> tuple[FetchedPage, Result]:
        """The page and result to keep once the page is rendered in a browser: the
        rendered DOM's when `keep_rendered` says so, else the static ones with a note of
        what rendering did. `html` stays the response as fetched either way."""
        from scrapy import Request

        assert self.crawler is not None and self.crawler.engine is not None
        request = Request(
            item.url,
            meta={
                RENDER_META: {
                    "body": item.html.encode("utf-8"),
                    "status": item.status,
                    # with --warc, the rendered DOM is a conversion record of this response
                    "refers_to": item.warc.record_id if item.warc else None,
                },
                "kind": "render",
            },
            dont_filter=True,
        )
        request.meta.update(dont_redirect=True, dont_retry=True, handle_httpstatus_all=True)
        self._inc("render/requested")
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # a crash, a timeout, robots.txt: the static page stands
            self._inc("render/failed")
            logger.info("rendering %s failed: %s", item.url, exc)
            return replace(item, render_note=f"rendering failed ({why}): {exc}"), static
        blocked = response.meta.get("render_blocked") or []
        note = f"rendered in a browser ({why})"
        if blocked:
            note += f"; blocked {len(blocked)} request{'s' if len(blocked) > 1 else ''} of its script: " + ", ".join(
                blocked[:20]
            )
        rendered_page = replace(item, html=response.text)
        rendered = await self._result(rendered_page)
        static_words, rendered_words = _words(static), _words(rendered)
        if keep_rendered(self.render, static.outcome, static_words, rendered.outcome, rendered_words):
            self._inc("render/kept")
            return replace(item, rendered=True, render_note=note), rendered
        self._inc("render/not_kept")
        if static.outcome != "ok":
            return replace(item, render_note=f"{note}: no main text there either"), static
        kept = f"{note}, but the static page's text was kept ({static_words} words; rendered, {rendered_words})"
        return replace(item, render_note=kept), static

    async def _result(self, item: FetchedPage) -> Result:
        args = (item.html, item.url, self.timeout, self.max_links, self.max_elements)
        if self.pool is None and self.processes and self.extracted_here >= self.pool_after:
            self._start_pool()  # more pages than a handful after all
        if self.pool is None:
            if self._loader is not None:  # its time is not the page's (EXTRACTION_TIMEOUT)
                self._loader.join()
            self.extracted_here += 1
            return extract_page(*args)
        if self.large_page and len(item.html) > self.large_page:
            # a large page's tree costs a worker hundreds of MB: one such page in the
            # workers at a time keeps the crawl's memory bounded however many arrive at once
            if self._large_pages is None:
                self._large_pages = asyncio.Semaphore(1)
            async with self._large_pages:
                return await self._extract(args)
        return await self._extract(args)

    async def _extract(self, args: tuple[Any, ...]) -> Result:
        for _ in range(2):  # once, and once more in a new pool if a worker died
            generation, pool = self.generation, self.pool
            assert pool is not None  # started as the crawl opened, and again after a worker died
            try:
                return await asyncio.wrap_future(pool.submit(extract_page, *args))
            except BrokenProcessPool:
                # a worker died (killed, out of memory, a crash in a parser): every page
                # in flight fails with it; start one new pool and give each page one more try
                if generation == self.generation:
                    logger.warning("an extraction worker died; starting new workers")
                    pool.shutdown(wait=False, cancel_futures=True)
                    # the broken pool's other workers ignore SIGTERM (worker.py), so the
                    # pool's own terminate() leaves them, and its manager thread waits on
                    # them for ever: end them before the new pool starts its own
                    for child in active_children():
                        child.kill()
                    self._start_pool()
        return Result("extract_error", "the extraction worker died twice on this page")

    def _item(self, item: FetchedPage, result: Result) -> ExtractedPage | FetchRecord:
        outcome, value, (links, alternates) = result
        item = replace(item, links=links)
        if self.crawler is not None:  # the spider follows the links the worker read
            self.crawler.signals.send_catch_log(project_signals.page_links, page=item, alternates=alternates)
        if outcome == "ok":
            self._inc("extraction/extracted")
            return ExtractedPage(page=item, document=cast("Document", value))
        if outcome in ("extract_error", "extract_timeout"):
            logger.info("extraction failed on %s: %s", item.url, value)  # the fetches row says so
        self._inc(f"extraction/{outcome}")
        return FetchRecord(
            url=item.url,
            kind="page",
            outcome=outcome,
            fetched_at=item.fetched_at,
            status=item.status,
            reason="; ".join(note for note in (str(value), item.render_note) if note),
            warc=item.warc,
            requested_url=item.requested_url,
            rendered=item.rendered,
        )

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _words(result: Result) -> int:
    """The words of an extracted page's text; 0 for a page that has none."""
    return cast("Document", result.value).word_count if result.outcome == "ok" else 0


def auto_processes(crawler: Crawler) -> tuple[int, int]:
    """EXTRACTION_PROCESSES = -1: (workers, pages extracted in the crawl process before they
    start): one worker per core from the start, or from the EXTRACTION_POOL_MIN_PAGES-th
    page of a `get` given fewer URLs than that."""
    settings = crawler.settings
    spider = getattr(crawler, "spider", None)
    start_urls = getattr(spider, "start_urls", None)
    follows = getattr(spider, "follow", settings.getbool("CRAWL_FOLLOW"))
    handful = settings.getint("EXTRACTION_POOL_MIN_PAGES")
    cores = os.cpu_count() or 1
    if not follows and start_urls is not None and len(start_urls) < handful:
        return cores, handful
    return cores, 0
