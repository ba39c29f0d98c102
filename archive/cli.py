"""The `blogarchive` command line: parse, call one library function, report.

Library errors become one line on stderr and a non-zero exit. The crawl
commands load the Scrapy project (`crawler`) only when they run, so `archive`
itself stays free of Scrapy.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, NoReturn, Sequence
from urllib.parse import urlsplit

from .errors import ArchiveError, UsageError
from .reader import ArchiveSummary, summarize
from .writer import check_archive_dir, new_crawl_id

PROG = "blogarchive"

EXAMPLES = {
    "crawl": "example: blogarchive crawl https://blog.example.com/ --out archive --max-pages 500",
    "get": "example: blogarchive get https://blog.example.com/2024/05/a-post/ --print",
    "stats": "example: blogarchive stats archive",
    "demo": "example: blogarchive demo --out demo-archive",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Archive blogs as clean text and metadata in Parquet.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    crawl = commands.add_parser("crawl", help="crawl whole blogs from their start URLs", epilog=EXAMPLES["crawl"])
    _add_fetch_options(crawl, out_required=True)
    crawl.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                       help="also visit HOST (and its subdomains); repeatable")
    crawl.add_argument("--max-pages", type=_non_negative, default=0, metavar="N",
                       help="request at most N distinct pages (default: no limit)")
    crawl.add_argument("--depth", type=_non_negative, default=None, metavar="N",
                       help="follow links at most N hops from a start URL; sitemap and feed entries count as one (default: no limit)")

    get = commands.add_parser("get", help="archive just the given pages, following no links", epilog=EXAMPLES["get"])
    _add_fetch_options(get, out_required=False)
    get.add_argument("--print", dest="print_text", action="store_true",
                     help="write each page's clean text with a metadata header to stdout")

    stats = commands.add_parser("stats", help="summarise an archive", epilog=EXAMPLES["stats"])
    stats.add_argument("archive", metavar="DIR", help="archive folder")

    demo = commands.add_parser("demo", help="crawl the bundled demo blog on 127.0.0.1", epilog=EXAMPLES["demo"])
    demo.add_argument("--out", default="demo-archive", metavar="DIR", help="archive folder (default: ./demo-archive)")
    demo.add_argument("-v", "--verbose", action="store_true", help="log what Scrapy does")
    return parser


def _add_fetch_options(parser: argparse.ArgumentParser, out_required: bool) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="start URL(s): http or https")
    parser.add_argument("--out", "-o", required=out_required, metavar="DIR", help="archive folder (created if missing)")
    parser.add_argument("--input-file", "-i", metavar="FILE", help="read URLs from FILE, one a line (# starts a comment)")
    parser.add_argument("--set", "-s", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy or blogarchive setting, e.g. -s DOWNLOAD_DELAY=1; repeatable")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what Scrapy does")


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return number


# --- validation (pure) --------------------------------------------------------


def check_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL with a host; UsageError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        hint = f" (did you mean https://{url.strip()}?)" if not parts.scheme and "." in url else ""
        raise UsageError(f"{url!r} is not an http(s) URL{hint}")
    try:
        parts.port
    except ValueError:
        raise UsageError(f"{url!r} has an invalid port") from None
    if not parts.hostname:
        raise UsageError(f"{url!r} has no host")
    return url.strip()


def read_url_file(path: str) -> list[str]:
    """URLs of a file, one a line; blank lines and # comments are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"input file {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"input file {path} is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read input file {path}: {exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().isupper():
            raise UsageError(f"--set takes NAME=VALUE with an upper-case setting name, not {pair!r}")
        settings[name.strip()] = value
    return settings


def gather_urls(args: argparse.Namespace) -> list[str]:
    urls = list(args.urls)
    if args.input_file:
        urls += read_url_file(args.input_file)
    if not urls:
        raise UsageError("give at least one URL, or --input-file FILE")
    return list(dict.fromkeys(check_url(u) for u in urls))


# --- commands -------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace, follow: bool) -> int:
    urls = gather_urls(args)
    overrides: dict[str, Any] = parse_settings(args.set)
    print_text = getattr(args, "print_text", False)
    if not args.out and not print_text:
        raise UsageError("give --out DIR, or --print to write the text to stdout")
    if args.out:
        check_archive_dir(args.out)
        overrides["ARCHIVE_DIR"] = os.path.abspath(args.out)
    overrides.setdefault("ARCHIVE_CRAWL_ID", new_crawl_id())
    overrides["PRINT_TEXT"] = print_text
    overrides.setdefault("LOG_LEVEL", "INFO" if args.verbose else "WARNING")
    if follow:
        overrides["CRAWL_ALLOW_HOSTS"] = args.allow_host
        overrides["CRAWL_MAX_PAGES"] = args.max_pages
        if args.depth is not None:
            overrides["CRAWL_DEPTH"] = args.depth
    report = _run(urls, follow, overrides)
    out = sys.stderr if print_text else sys.stdout
    counts = report.outcome_counts()
    stored = counts.get("stored", 0)
    print(
        f"crawl {report.crawl_id}: {stored} pages stored, {sum(counts.values())} URLs recorded "
        f"in {report.seconds:.1f}s" + (f" -> {args.out}" if args.out else ""),
        file=out,
    )
    print("outcomes: " + (" · ".join(f"{k} {v}" for k, v in counts.items()) or "none"), file=out)
    return 0


def _run(urls: list[str], follow: bool, overrides: dict[str, Any]) -> Any:
    from crawler.runner import run_crawl  # the Scrapy project, loaded only to crawl

    return run_crawl(urls, follow=follow, overrides=overrides)


def cmd_stats(args: argparse.Namespace) -> int:
    print(format_summary(args.archive, summarize(args.archive)))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo import SITE_DIR
    from crawler.demo.server import SiteServer

    check_archive_dir(args.out)
    with SiteServer(SITE_DIR) as site:
        print(f"serving the demo blog at {site.base_url}/")
        overrides = {
            "ARCHIVE_DIR": os.path.abspath(args.out),
            "ARCHIVE_CRAWL_ID": new_crawl_id(),
            "LOG_LEVEL": "INFO" if args.verbose else "WARNING",
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
        }
        report = _run([site.base_url + "/"], True, overrides)
    print(f"crawled in {report.seconds:.1f}s\n")
    print(format_summary(args.out, summarize(args.out)))
    query = f"SELECT platform, title, author, published, word_count FROM read_parquet('{args.out}/pages/*.parquet')"
    print("\nread it with DuckDB (the duckdb CLI, or duckdb.sql(query).show() in Python):")
    print(f"  {query};")
    return 0


def format_summary(root: str, summary: ArchiveSummary) -> str:
    def span() -> str:
        if summary.first_published is None:
            return "none dated"
        return f"{summary.first_published:%Y-%m-%d} to {summary.last_published:%Y-%m-%d}"

    def counts(counter: Any) -> str:
        return " · ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"

    rows = [
        ("archive", root),
        ("pages", f"{summary.pages} ({summary.posts} posts)"),
        ("sites", f"{len(summary.sites)}: {', '.join(summary.sites[:5])}{' ...' if len(summary.sites) > 5 else ''}"),
        ("published", span()),
        ("words", f"{summary.words:,}"),
        ("crawls", str(summary.crawls)),
        ("platforms", counts(summary.platforms)),
        ("fetches", counts(summary.outcomes)),
    ]
    return "\n".join(f"{name:<10} {value}" for name, value in rows)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "crawl":
            return cmd_crawl(args, follow=True)
        if args.command == "get":
            return cmd_crawl(args, follow=False)
        if args.command == "stats":
            return cmd_stats(args)
        return cmd_demo(args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except ArchiveError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
