"""Scrapy settings of the blogarchive project.

Every project setting is defined here once, prefixed by its component, with a
one-line comment. `blogarchive crawl` and `scrapy crawl blog` read the same
module; command-line options map onto these names.
"""

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "blogarchive"
SPIDER_MODULES = ["blogarchive.crawler.spiders"]
NEWSPIDER_MODULE = "blogarchive.crawler.spiders"
# `scrapy crawl` that exits as `blogarchive crawl` does (0, 1, 3; 75 when the archive is held)
COMMANDS_MODULE = "blogarchive.crawler.commands"

# --- politeness -----------------------------------------------------------
# A User-Agent that names the project and where to read about it.
USER_AGENT = "blogarchive/0.1 (+https://github.com/blogarchive/blogarchive; web archiving of blogs)"
# robots.txt is obeyed, for every page, sitemap and feed.
ROBOTSTXT_OBEY = True
# Requests at once per site; blogs are small servers.
CONCURRENT_REQUESTS_PER_DOMAIN = 4
CONCURRENT_REQUESTS = 16
# Seconds between requests to one site (randomised 0.5x-1.5x by Scrapy).
DOWNLOAD_DELAY = 0.25
# AutoThrottle adapts the delay to the server's latency.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
AUTOTHROTTLE_MAX_DELAY = 10.0

# --- bounds ---------------------------------------------------------------
# Seconds to wait for a response before recording `timeout`.
DOWNLOAD_TIMEOUT = 30
# Largest response body accepted (bytes); larger ones are recorded `too_large`.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
# Largest header section of a response (bytes) and most header lines; past either, or a
# status or header line past 16 KB, the response is `fetch_error` (crawler.download).
CRAWL_MAX_HEADER_BYTES = 256 * 1024
CRAWL_MAX_HEADERS = 500
# The bounded HTTP handler, which hands requests marked `render` to a browser (crawler.rendering).
DOWNLOAD_HANDLERS = {
    "http": "blogarchive.crawler.rendering.RenderingDownloadHandler",
    "https": "blogarchive.crawler.rendering.RenderingDownloadHandler",
}
# Redirects followed per request before recording `redirect_loop`.
REDIRECT_MAX_TIMES = 10
# Retries of a timed-out or 5xx request before its failure is recorded.
RETRY_TIMES = 1

# --- what the crawl covers ---------------------------------------------------
# Follow links, sitemaps and feeds (False: fetch only the given URLs, as `get` does).
CRAWL_FOLLOW = True
# Most distinct pages to request per crawl; 0 means no limit.
CRAWL_MAX_PAGES = 0
# Most link hops from a start URL (sitemap and feed entries count as one); -1 means no limit.
CRAWL_DEPTH = -1
# Hosts the crawl may visit besides the start URLs' hosts (and their subdomains).
CRAWL_ALLOW_HOSTS: list[str] = []
# Let links, redirects and sitemap entries lead to loopback, private, link-local and
# metadata addresses. Off: only the start URLs' own hosts may be private (outcome
# `blocked` for the rest), checked on the URL and again on the address the
# connection uses (crawler.addresses.PublicAddressResolver).
CRAWL_ALLOW_PRIVATE = False
# Let the start URLs' own hosts be private (an intranet blog, the loopback demo), though never
# link-local (a cloud's metadata service). Workers turn it off unless started --allow-private:
# whoever can submit a URL must not reach the worker's network through it.
CRAWL_PRIVATE_SEEDS = True
# Requests per host (0: no limit); past it, links to the host are counted, not followed.
CRAWL_MAX_PAGES_PER_HOST = 100_000
# Trap guards: a URL past any of them is recorded with outcome `trap`, not requested.
CRAWL_MAX_URL_LENGTH = 2083
CRAWL_MAX_QUERY_PARAMS = 12
# how often one path segment may appear (/a/b/a/b/a/b/a/b: 'a' 4 times)
CRAWL_MAX_PATH_REPEATS = 3
# Sitemap indexes nested deeper than this are not read (outcome `trap`).
CRAWL_MAX_SITEMAP_NESTING = 3
# URLs read from one sitemap or feed (the sitemap protocol's own limit).
CRAWL_MAX_SITEMAP_URLS = 50_000
# Links read from one page (a generated page can carry a million).
CRAWL_MAX_LINKS_PER_PAGE = 5_000
# A URL family (same host and path shape, numbers and ids generalised, same query parameter
# names) that answers this many times in a row with nothing new (a duplicate text, an HTTP
# error, no content) is closed: its other URLs are not requested, and one `trap` row per
# family says how many (crawler.families). 0: no budget.
CRAWL_FAMILY_BUDGET = 10
TWISTED_DNS_RESOLVER = "blogarchive.crawler.addresses.PublicAddressResolver"
# Hosts whose requests go through an HTTP proxy of their own: {"host": "http://proxy:port"}
# (`blogarchive demo` serves its fixed host name this way from any free loopback port).
CRAWL_HOST_PROXIES: dict[str, str] = {}
# A file of start URLs, one a line (# starts a comment), besides -a url=... (`--input-file`).
CRAWL_INPUT_FILE = ""
# Re-check a known page without a sitemap or feed date only when its last capture is
# older than this: seconds, or 90s, 30m, 6h, 2d, 1w (0: re-check every known page, with a
# conditional request).
CRAWL_REVISIT_AFTER = 0

# A stored page whose text is at least this similar (estimated Jaccard similarity of its
# 3-word shingles) to an earlier archived page's is marked `near_duplicate_of` that page.
NEAR_DUPLICATE_THRESHOLD = 0.9
# Query parameters removed from links before they are requested: they share, reply or track.
CRAWL_STRIP_PARAMS = [
    "share",
    "replytocom",
    "showComment",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "mc_cid",
    "mc_eid",
]

# --- rendering in a browser ---------------------------------------------------
# never | auto | always: `auto` renders a page whose static extraction found no main text,
# little for its size, or a client-rendered shell (pipelines.rendering); `always` every page.
# Without Playwright and a Chromium, `auto` is `never` (the crawl says so in one line).
CRAWL_RENDER = "auto"
# The browser: a path, or a name on PATH; None tries chromium, chromium-browser, google-chrome.
RENDER_BROWSER = None
# Seconds one page's rendering may take (the browser's start included) before it fails.
RENDER_TIMEOUT = 30
# Pages rendered at once (each is a browser tab: tens of MB).
RENDER_MAX_PAGES = 2
# After this many renders in a row on one host that brought no text (not kept, or failed),
# `auto` renders no more of the host's pages in this crawl; 0 for no limit.
RENDER_HOST_MISSES = 5

# --- extraction -------------------------------------------------------------
# Worker processes that extract pages (-1: one per core, or none for fewer than
# EXTRACTION_POOL_MIN_PAGES pages given to `get`; 0: in the crawl process itself).
EXTRACTION_PROCESSES = -1
# A `get` of fewer URLs than this extracts them in the crawl process: starting a worker
# (0.3 s of CPU) costs more than extracting a handful of pages (~10 ms each).
EXTRACTION_POOL_MIN_PAGES = 32
# Seconds one page's extraction may take before it is abandoned (outcome
# `extract_timeout`, the crawl goes on); 0 for no limit. A 1 MB page takes < 1 s.
EXTRACTION_TIMEOUT = 30
# A page of more elements than this (a generated page of 100,000 links) is read the light way:
# the marked body or largest block of paragraphs, no trafilatura (which copies the tree
# several times); 0 for no limit. The largest real page of the development corpus has < 10,000.
EXTRACTION_MAX_ELEMENTS = 50_000
# Pages larger than this (characters of HTML) go to the extraction workers one at a time,
# so that a burst of huge pages cannot hold a huge tree in every worker at once; 0: no bound.
EXTRACTION_LARGE_PAGE_CHARS = 1024 * 1024

# --- archive ----------------------------------------------------------------
# Folder (or s3://bucket/prefix) of the Parquet archive; empty disables storage (as `get --print` does).
ARCHIVE_DIR = ""
# Identifier of this crawl run; empty means a new one (UTC time and a random suffix).
ARCHIVE_CRAWL_ID = ""
# Endpoint of the S3-compatible store when ARCHIVE_DIR is s3://bucket/prefix (empty: AWS, or
# $AWS_ENDPOINT_URL_S3 / $AWS_ENDPOINT_URL).
ARCHIVE_S3_ENDPOINT = ""
# Rows buffered per table before a Parquet file is written.
ARCHIVE_FLUSH_ROWS = 1000
# Approximate bytes buffered per table before a Parquet file is written.
ARCHIVE_FLUSH_BYTES = 8 * 1024 * 1024
# Seconds after which buffered rows are written even if the buffer is not full.
ARCHIVE_FLUSH_SECONDS = 30.0
# Set by the command line, which takes the archive lock itself before the crawl starts, and by
# workers, which hold a Redis lock per site.
ARCHIVE_LOCK_HELD = False
# Compress and write archive files in a background thread, off the reactor.
ARCHIVE_BACKGROUND_WRITES = True
# Rows per Parquet row group.
ARCHIVE_ROW_GROUP_ROWS = 250
# Also write every HTTP exchange as WARC records (`--warc`), in the archive's warc/ folder.
ARCHIVE_WARC = False
# A WARC segment is published (and a new one started) past this size, and at every flush.
ARCHIVE_WARC_MAX_BYTES = 100 * 1024 * 1024
# Compact a table (`blogarchive compact`) at the end of a crawl once it has this many files:
# a site crawled daily adds three or four a day. 0: never (compact by hand, or from cron).
ARCHIVE_COMPACT_FILES = 0

# --- output -------------------------------------------------------------------
# Show Scrapy's and Twisted's own log lines. The command line turns this off unless -v:
# then only blogarchive's lines reach stderr (every page's failure is a `fetches` row
# already), and a record with an exception that is not a network error is still shown.
LOG_MACHINERY = True
# Write each page's clean text with a metadata header to stdout.
PRINT_TEXT = False
# Seconds between progress reports (a live line on a terminal, log lines otherwise).
PROGRESS_INTERVAL = 1.0
# Seconds between progress log lines when stderr is not a terminal.
PROGRESS_LOG_INTERVAL = 30.0

DOWNLOADER_MIDDLEWARES = {
    # checks every outgoing request; redirects re-enter the chain, so they are checked too; before
    # robots.txt (100), which would otherwise fetch the robots.txt of hosts out of scope
    "blogarchive.crawler.middlewares.ScopeMiddleware": 40,
    # before Scrapy's HttpProxyMiddleware (750), which reads the proxy it sets
    "blogarchive.crawler.middlewares.HostProxyMiddleware": 740,
    # first: a request of a closed URL family costs no robots.txt check, no page slot, no delay
    "blogarchive.crawler.middlewares.PageAdmissionMiddleware": 50,
    # Scrapy's decodes the whole body to read a tag in its first 4 KB
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "blogarchive.crawler.middlewares.HeadMetaRefreshMiddleware": 580,
    # before Scrapy's RedirectMiddleware (600) reads a Location: its userinfo goes first
    "blogarchive.crawler.middlewares.RedirectCredentialsMiddleware": 610,
    # next to the downloader: sees every response as sent (before redirects, retries, decoding)
    "blogarchive.crawler.capture.WarcCaptureMiddleware": 950,
    # Scrapy's downloads the Public Suffix List from the internet at the first Set-Cookie
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "blogarchive.crawler.cookies.OfflineCookiesMiddleware": 700,
}
# Scrapy re-reads the source of every generator callback per response to warn about
# `return value` (its cache is keyed by the bound method, new for each request)
WARN_ON_GENERATOR_RETURN_VALUE = False

SPIDER_MIDDLEWARES = {
    # a callback that raises still leaves a `fetches` row for its response
    "blogarchive.crawler.middlewares.ParseErrorMiddleware": 60,
}

ITEM_PIPELINES = {
    "blogarchive.pipelines.extraction.ExtractionPipeline": 100,
    "blogarchive.pipelines.dedup.DedupPipeline": 200,
    "blogarchive.pipelines.printer.PrintPipeline": 150,  # before dedup: --print shows every page asked for
    "blogarchive.pipelines.storage.ArchiveStoragePipeline": 900,
}

# Scrapy's remote control runs Python code sent to a local HTTP port (with a token it writes
# to the user's profile folder): nothing an unattended archiver should open.
REMOTE_CONTROL_ENABLED = False

EXTENSIONS = {
    "blogarchive.crawler.extensions.progress.ProgressExtension": 500,
    "scrapy.extensions.logstats.LogStats": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
}
# Scrapy's own extensions but its remote control: off (REMOTE_CONTROL_ENABLED), its module
# would still be imported (Scrapy loads every listed component, even one set to None), and
# it imports aiohttp: 60 ms of every crawl's start.
EXTENSIONS_BASE = {
    name: order
    for name, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if name != "scrapy.extensions.remote_control.RemoteControl"
}

# Items handled at once per response. Scrapy starts this many asyncio tasks for every
# callback's output; the default of 100 made that the largest cost of a re-crawl of 304s
# (benchmarks/recrawl.py), and our pipelines are synchronous anyway.
CONCURRENT_ITEMS = 8

# Scrapy's own defaults that this project relies on, stated explicitly.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
