"""`crawl`, `get` and `demo`: the commands that fetch pages."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from blogarchive.api import check_settings, crawl_into, crawl_pages
from blogarchive.archive.exits import FOR_STATUS
from blogarchive.pipelines.rendering import browser_problem
from blogarchive.pipelines.stats import PRINT_ERROR

from .options import (
    UsageError,
    add_fetch_options,
    duration,
    epilog,
    extra_installed,
    gather_urls,
    host_name,
    non_negative,
    parse_settings,
)
from .read import format_summary

#: the demo blog's URLs, the same on every run whatever port serves them (a name under
#: .localhost, which is never a real host), so a second `blogarchive demo` into the same
#: folder is an incremental crawl
DEMO_URL = "http://demo-blog.localhost"


def add_parsers(commands: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    crawl = commands.add_parser(
        "crawl",
        help="crawl whole blogs from their start URLs",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog("example: blogarchive crawl https://blog.example.com/ --out archive --max-pages 500"),
    )
    add_fetch_options(crawl, out_required=True)
    crawl.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        type=host_name,
        help="also visit HOST (and its subdomains); repeatable",
    )
    crawl.add_argument(
        "--max-pages",
        type=non_negative,
        default=0,
        metavar="N",
        help="request at most N distinct pages (default: no limit)",
    )
    crawl.add_argument(
        "--depth",
        type=non_negative,
        default=None,
        metavar="N",
        help="follow links at most N hops from a start URL; sitemap and feed entries count as one (default: no limit)",
    )
    crawl.add_argument(
        "--revisit-after",
        type=duration,
        default=None,
        metavar="DURATION",
        help="re-check a known page that no sitemap or feed date vouches for only when its last "
        "capture is older than DURATION (90s, 30m, 6h, 2d, 1w; default 0: re-check every known "
        "page with a conditional request)",
    )

    get = commands.add_parser(
        "get",
        help="archive just the given pages, following no links",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog("example: blogarchive get https://blog.example.com/2024/05/a-post/ --print"),
    )
    add_fetch_options(get, out_required=False)
    get.add_argument(
        "--print",
        dest="print_text",
        action="store_true",
        help="write each page's clean text with a metadata header to stdout",
    )

    demo = commands.add_parser(
        "demo", help="crawl the bundled demo blog on 127.0.0.1", epilog="example: blogarchive demo --out demo-archive"
    )
    demo.add_argument("--out", default="demo-archive", metavar="DIR", help="archive folder (default: ./demo-archive)")
    demo.add_argument("-v", "--verbose", action="store_true", help="log what Scrapy does")
    return {
        "crawl": lambda args: cmd_crawl(args, follow=True),
        "get": lambda args: cmd_crawl(args, follow=False),
        "demo": cmd_demo,
    }


def cmd_crawl(args: argparse.Namespace, follow: bool) -> int:
    urls, settings = crawl_request(args, follow)
    if not args.out:
        report = crawl_pages(urls, follow=follow, settings=settings)
        check_printed(report.stats)
        return FOR_STATUS[report.status()[0]]
    from blogarchive.archive.writer import lighten_for_crawling

    lighten_for_crawling()  # this process only crawls and writes the archive
    result = crawl_into(
        args.out, urls, follow=follow, settings=settings, s3_endpoint=args.s3_endpoint, lock_held=args.lock_held
    )
    print(result.line, file=sys.stderr if settings["PRINT_TEXT"] else sys.stdout)
    check_printed(result.stats)
    return FOR_STATUS[result.status]


def crawl_request(args: argparse.Namespace, follow: bool) -> tuple[list[str], dict[str, Any]]:
    """The start URLs and the settings a `crawl` or `get` asks for, checked before anything
    is fetched or written; UsageError for the first mistake."""
    urls = gather_urls(args)
    overrides: dict[str, Any] = check_settings(parse_settings(args.set))
    print_text = getattr(args, "print_text", False)
    if not args.out and not print_text:
        raise UsageError("give --out DIR, or --print to write the text to stdout")
    overrides["PRINT_TEXT"] = print_text
    overrides.setdefault("LOG_LEVEL", "INFO" if args.verbose else "WARNING")
    overrides.setdefault("LOG_MACHINERY", args.verbose)
    if args.allow_private:
        overrides["CRAWL_ALLOW_PRIVATE"] = True
    if args.render is not None:
        overrides["CRAWL_RENDER"] = args.render
    if overrides.get("CRAWL_RENDER", "never") != "never":  # asked for: a browser must be there
        if (problem := browser_problem(overrides.get("RENDER_BROWSER"))) is not None:
            raise UsageError(f"--render {overrides['CRAWL_RENDER']} needs a browser: {problem}")
    if args.warc:
        if not args.out:
            raise UsageError("--warc keeps the captures in the archive: give --out DIR")
        overrides["ARCHIVE_WARC"] = True
    if follow:
        overrides["CRAWL_ALLOW_HOSTS"] = args.allow_host
        overrides["CRAWL_MAX_PAGES"] = args.max_pages
        if args.depth is not None:
            overrides["CRAWL_DEPTH"] = args.depth
        if args.revisit_after is not None:
            overrides["CRAWL_REVISIT_AFTER"] = args.revisit_after
    return urls, overrides


def check_printed(stats: dict[str, Any]) -> None:
    """OSError when `--print` could not write the text (stdout on a full disk, /dev/full)."""
    if stats.get(PRINT_ERROR):
        raise OSError(0, stats[PRINT_ERROR], "standard output")


def cmd_demo(args: argparse.Namespace) -> int:
    from blogarchive.archive.reader import summarize
    from blogarchive.archive.writer import check_archive_dir
    from blogarchive.crawler.demo import SITE_DIR
    from blogarchive.crawler.demo.server import SiteServer

    check_archive_dir(args.out)
    with SiteServer(SITE_DIR, validators=True, public_url=DEMO_URL) as site:
        print(f"serving the demo blog as {DEMO_URL}/ from {site.address}")
        settings = {
            "LOG_LEVEL": "INFO" if args.verbose else "WARNING",
            "LOG_MACHINERY": args.verbose,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            # the demo's name reaches the server whatever port it has: the same URLs every run
            "CRAWL_HOST_PROXIES": {urlsplit(DEMO_URL).hostname: site.address},
        }
        result = crawl_into(args.out, [DEMO_URL + "/"], follow=True, settings=settings)
    print(result.line + "\n")
    print(format_summary(args.out, summarize(args.out)))
    query = f"SELECT platform, title, author, published, word_count FROM read_parquet('{args.out}/pages/*.parquet')"
    print("\nread it with DuckDB (the duckdb CLI, or duckdb.sql(query).show() in Python):")
    print(f"  {query};")
    hints = [
        (f"{command_name()} report {args.out} -o report.html", "charts, in one offline file"),
        (f"{command_name()} serve {args.out}", "browse posts and their versions at http://127.0.0.1:8080/"),
    ]
    if not extra_installed("ui"):
        hints = [("pip install 'blogarchive[ui]'", "first: report and serve need the [ui] extra"), *hints]
    width = max(len(command) for command, _ in hints)
    print("\nsee it:")
    for command, what in hints:
        print(f"  {command:<{width}}   {what}")
    return FOR_STATUS[result.status]


def command_name() -> str:
    """How to type `blogarchive` in a new shell: its name when that finds this program on
    PATH, else its path (after `make demo`, .venv/bin/blogarchive, with no environment active)."""
    program = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    found = shutil.which("blogarchive")
    if not program.endswith("blogarchive") or (found and os.path.realpath(found) == program):
        return "blogarchive"
    relative = os.path.relpath(program)
    return relative if not relative.startswith("..") and "/" in relative else program
