"""The `blogarchive` command line: parse, call one library function, report.

Library errors become one line on stderr and a non-zero exit. The crawl
commands load the Scrapy project (`crawler`) only when they run, so `archive`
itself stays free of Scrapy.
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import sys
import textwrap
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence
from urllib.parse import urlsplit

import pyarrow.compute as pc

from .errors import ArchiveError, UsageError
from .integrity import check_footers
from .location import Location, locate
from .lock import ArchiveLock, LockHeld
from .reader import ArchiveSummary, page_history, read_fetches, summarize
from .writer import check_archive_dir, new_crawl_id, prepare_archive_dir

PROG = "blogarchive"

#: exit statuses, for schedulers (cron, systemd, Scrapyd)
EXIT_FINISHED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: another crawl holds the archive; try again later
EXIT_FOR_STATUS = {"finished": EXIT_FINISHED, "failed": EXIT_FAILED, "interrupted": EXIT_INTERRUPTED}
#: what each exit status means, for every command: `--help` of crawl and get and the README show it
EXIT_CODES = (
    (EXIT_FINISHED, "done: a crawl finished (whatever single pages did: each URL's outcome is in fetches; "
                    "a re-crawl that finds nothing new has finished too)"),
    (EXIT_FAILED, "failed: the site answered none of a crawl's requests, or the crawl asked for pages and none "
                  "could be fetched or was vouched for, or robots.txt denied every one; or an archive could not be "
                  "read or written, or the crawl could not start"),
    (EXIT_USAGE, "a usage mistake: a bad option, URL, setting, path or port; nothing was done"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C, SIGTERM): what was fetched is stored"),
    (EXIT_LOCKED, "another crawl holds the archive (EX_TEMPFAIL): try again later"),
)


def exit_code_help() -> str:
    lines = [textwrap.fill(meaning, 78, initial_indent=f"  {code:<4}", subsequent_indent=" " * 6) for code, meaning in EXIT_CODES]
    return "exit status (every command):\n" + "\n".join(lines)

EXAMPLES = {
    "crawl": "example: blogarchive crawl https://blog.example.com/ --out archive --max-pages 500",
    "get": "example: blogarchive get https://blog.example.com/2024/05/a-post/ --print",
    "stats": "example: blogarchive stats archive",
    "history": "example: blogarchive history archive https://blog.example.com/2024/05/a-post/",
    "demo": "example: blogarchive demo --out demo-archive",
    "export": "example: blogarchive export archive --format markdown --out posts/",
    "serve": "example: blogarchive serve archive --port 8080",
    "report": "example: blogarchive report archive -o report.html",
    "verify": "example: blogarchive verify archive --quarantine",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")

    def _print_message(self, message: str, file: Any = None) -> None:
        """argparse's, without swallowing OSError: help sent to a full disk is a failure."""
        if message:
            (file or sys.stderr).write(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Archive blogs as clean text and metadata in Parquet.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    crawl = commands.add_parser("crawl", help="crawl whole blogs from their start URLs", epilog=_epilog("crawl"),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_fetch_options(crawl, out_required=True)
    crawl.add_argument("--allow-host", action="append", default=[], metavar="HOST", type=_host_name,
                       help="also visit HOST (and its subdomains); repeatable")
    crawl.add_argument("--max-pages", type=_non_negative, default=0, metavar="N",
                       help="request at most N distinct pages (default: no limit)")
    crawl.add_argument("--depth", type=_non_negative, default=None, metavar="N",
                       help="follow links at most N hops from a start URL; sitemap and feed entries count as one (default: no limit)")
    crawl.add_argument("--revisit-after", type=_duration, default=None, metavar="DURATION",
                       help="re-check a known page that no sitemap or feed date vouches for only when its last "
                            "capture is older than DURATION (90s, 30m, 6h, 2d, 1w; default 0: re-check every known "
                            "page with a conditional request)")

    get = commands.add_parser("get", help="archive just the given pages, following no links", epilog=_epilog("get"),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_fetch_options(get, out_required=False)
    get.add_argument("--print", dest="print_text", action="store_true",
                     help="write each page's clean text with a metadata header to stdout")

    stats = commands.add_parser("stats", help="summarise an archive and its crawls", epilog=EXAMPLES["stats"])
    _add_archive_argument(stats)

    history = commands.add_parser("history", help="list the stored versions of one page", epilog=EXAMPLES["history"])
    _add_archive_argument(history)
    history.add_argument("url", metavar="URL", help="the page's URL, as stored")

    export = commands.add_parser("export", help="write the pages as JSON Lines, CSV, Markdown or WARC files",
                                 epilog=EXAMPLES["export"])
    _add_archive_argument(export)
    export.add_argument("--format", "-f", required=True, choices=["jsonl", "csv", "markdown", "warc"],
                        help="jsonl or csv: one file (default: stdout); markdown: one file per page with a front-matter "
                             "header; warc: gzipped WARC files built from the html column")
    export.add_argument("--out", "-o", metavar="PATH", help="file (jsonl, csv) or folder (markdown, warc)")
    export.add_argument("--history", action="store_true", help="every stored version, not just the latest of each page")
    export.add_argument("--posts-only", action="store_true", help="only pages of type post (no listings)")

    verify = commands.add_parser("verify", help="check every file of an archive; name (and set aside) damaged ones",
                                 epilog=EXAMPLES["verify"])
    _add_archive_argument(verify)
    verify.add_argument("--quarantine", action="store_true",
                        help="move damaged files into the archive's quarantine/ folder, which readers skip")

    report = commands.add_parser("report", help="one self-contained HTML file of charts about the archive",
                                 epilog=EXAMPLES["report"])
    _add_archive_argument(report)
    report.add_argument("--out", "-o", default="report.html", metavar="FILE", help="where to write it (default: ./report.html)")

    serve = commands.add_parser("serve", help="browse the archive in a web browser (read-only, on 127.0.0.1)",
                                epilog=EXAMPLES["serve"])
    _add_archive_argument(serve)
    serve.add_argument("--port", type=_port, default=8080, metavar="N", help="port to listen on (default 8080; 0: any free port)")
    serve.add_argument("-v", "--verbose", action="store_true", help="log every request")

    demo = commands.add_parser("demo", help="crawl the bundled demo blog on 127.0.0.1", epilog=EXAMPLES["demo"])
    demo.add_argument("--out", default="demo-archive", metavar="DIR", help="archive folder (default: ./demo-archive)")
    demo.add_argument("-v", "--verbose", action="store_true", help="log what Scrapy does")
    from .cluster import add_parsers

    add_parsers(commands, _add_settings_option, _add_s3_option, _duration)
    return parser


def _epilog(command: str) -> str:
    return f"{EXAMPLES[command]}\n\n{exit_code_help()}"


def _add_settings_option(parser: argparse.ArgumentParser, what: str = "override a Scrapy or blogarchive setting") -> None:
    parser.add_argument("--set", "-s", action="append", default=[], metavar="NAME=VALUE",
                        help=f"{what}, e.g. -s DOWNLOAD_DELAY=1; repeatable")


def _add_archive_argument(parser: argparse.ArgumentParser) -> None:
    """The archive a read command reads: a folder or an S3 prefix (and its endpoint)."""
    parser.add_argument("archive", metavar="DIR", help="archive folder or s3://bucket/prefix")
    _add_s3_option(parser)


def _add_s3_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--s3-endpoint", metavar="URL", default=None,
                        help="endpoint of an S3-compatible store for s3:// archives, e.g. http://127.0.0.1:9000 "
                             "(default: $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL, else AWS)")


def _add_fetch_options(parser: argparse.ArgumentParser, out_required: bool) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="start URL(s): http or https")
    parser.add_argument("--out", "-o", required=out_required, metavar="DIR",
                        help="archive folder (created if missing) or s3://bucket/prefix")
    _add_s3_option(parser)
    parser.add_argument("--input-file", "-i", metavar="FILE", help="read URLs from FILE, one a line (# starts a comment)")
    _add_settings_option(parser)
    parser.add_argument("--warc", action="store_true",
                        help="also keep every HTTP exchange, as sent and received, in WARC files in the archive's warc/ folder")
    parser.add_argument("--allow-private", action="store_true",
                        help="let links and redirects lead to private, loopback and link-local addresses "
                             "(by default only the start URLs' own hosts may be private)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what Scrapy does")


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _duration(value: str) -> float:
    """Seconds in '90', '90s', '30m', '6h', '2d' or '1w'."""
    text = value.strip().lower()
    unit = _UNITS.get(text[-1:], None)
    number = text[:-1] if unit else text
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise argparse.ArgumentTypeError(f"{value!r} is not a duration like 90s, 30m, 6h, 2d or 1w") from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    if seconds > MAX_DURATION:
        raise argparse.ArgumentTypeError(f"{value} is longer than {MAX_DURATION // 86400:.0f} days")
    return seconds


#: the longest duration an option takes: a century
MAX_DURATION = 36500 * 86400.0


def _host_name(value: str) -> str:
    """A host name as --allow-host takes it: no scheme, port, path or user."""
    host = value.strip().lower().rstrip(".")
    if not host or len(host) > 253 or any(c in host for c in "/\\?#@[]: \t"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a host name (like blog.example.com)")
    return host


def _port(value: str) -> int:
    number = _non_negative(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535)")
    return number


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
    if len(url) > MAX_URL_CHARS:
        raise UsageError(f"a URL of {len(url):,} characters is longer than {MAX_URL_CHARS:,}: {url[:60]!r}...")
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # a bracketed host that is not an IPv6 address
        raise UsageError(f"{url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        hint = f" (did you mean https://{url.strip()}?)" if not parts.scheme and "." in url else ""
        raise UsageError(f"{url!r} is not an http(s) URL{hint}")
    try:
        parts.port
    except ValueError:
        raise UsageError(f"{url!r} has an invalid port") from None
    if not parts.hostname:
        raise UsageError(f"{url!r} has no host")
    from crawler.links import valid_host  # pure: no Scrapy

    if not valid_host(parts.hostname):
        raise UsageError(f"{url!r} has not a valid host name ({parts.hostname!r})")
    return url.strip()





#: the longest URL taken from the command line or an input file (the crawl's own bound
#: on links, CRAWL_MAX_URL_LENGTH, is 2,083)
MAX_URL_CHARS = 8192
#: the largest --input-file read: two million URLs of 60 characters
MAX_INPUT_FILE_BYTES = 128 * 1024 * 1024


def read_url_file(path: str) -> list[str]:
    """URLs of a file, one a line; blank lines and # comments are skipped. A file past
    MAX_INPUT_FILE_BYTES (/dev/zero, a disk image given by mistake) is refused unread."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_INPUT_FILE_BYTES + 1)
        if len(data) > MAX_INPUT_FILE_BYTES:
            raise UsageError(f"input file {path} is larger than {MAX_INPUT_FILE_BYTES // 2**20} MB: "
                             "is it a list of URLs, one a line?")
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"input file {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"input file {path} is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read input file {path}: {exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    """The `--set NAME=VALUE` pairs, each name known and each value of its setting's type
    (checked by the Scrapy project, loaded only now: `archive` itself stays free of it)."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().isupper():
            raise UsageError(f"--set takes NAME=VALUE with an upper-case setting name, not {pair!r}")
        settings[name.strip()] = value
    if not settings:
        return settings
    from crawler.overrides import check_overrides

    return check_overrides(settings)


def gather_urls(args: argparse.Namespace) -> list[str]:
    urls = list(args.urls)
    if args.input_file:
        urls += read_url_file(args.input_file)
    if not urls:
        raise UsageError("give at least one URL, or --input-file FILE")
    return list(dict.fromkeys(check_url(u) for u in urls))


# --- commands -------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace, follow: bool) -> int:
    urls, overrides = crawl_request(args, follow)
    print_text = overrides["PRINT_TEXT"]
    out = sys.stderr if print_text else sys.stdout
    if not args.out:
        report = _run(urls, follow, overrides)
        _check_printed(report.stats)
        return EXIT_FOR_STATUS[report.status()[0]]
    status, line, stats = crawl_into(args.out, urls, follow, overrides, args.s3_endpoint)
    print(line, file=out)
    _check_printed(stats)
    return EXIT_FOR_STATUS[status]


def crawl_request(args: argparse.Namespace, follow: bool) -> tuple[list[str], dict[str, Any]]:
    """The start URLs and the settings a `crawl` or `get` asks for, checked before anything
    is fetched or written; UsageError for the first mistake."""
    urls = gather_urls(args)
    overrides: dict[str, Any] = parse_settings(args.set)
    print_text = getattr(args, "print_text", False)
    if not args.out and not print_text:
        raise UsageError("give --out DIR, or --print to write the text to stdout")
    overrides["PRINT_TEXT"] = print_text
    overrides.setdefault("LOG_LEVEL", "INFO" if args.verbose else "WARNING")
    overrides.setdefault("LOG_MACHINERY", args.verbose)
    if args.allow_private:
        overrides["CRAWL_ALLOW_PRIVATE"] = True
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


def _check_printed(stats: dict[str, Any]) -> None:
    """OSError when `--print` could not write the text (stdout on a full disk, /dev/full)."""
    if stats.get("print/error"):  # pipelines.printer.PRINT_ERROR (archive does not import the pipelines)
        raise OSError(0, stats["print/error"], "standard output")


def crawl_into(
    out: str, urls: list[str], follow: bool, overrides: dict[str, Any], s3_endpoint: str | None = None
) -> tuple[str, str, dict[str, Any]]:
    """Crawl into the archive at `out` holding its lock; (status, one summary line, the
    crawl's stats).

    With ARCHIVE_LOCK_HELD in `overrides` the caller holds the lock already (a worker
    holds its site's Redis lock) and no archive lock is taken.
    """
    root = prepare_archive_dir(locate(out, s3_endpoint))
    check_footers(root)  # a damaged archive: one line naming the file, and no crawl
    crawl_id = overrides.get("ARCHIVE_CRAWL_ID") or new_crawl_id()
    caller_holds_lock = str(overrides.get("ARCHIVE_LOCK_HELD", "")).lower() in ("1", "true", "yes")
    with nullcontext() if caller_holds_lock else ArchiveLock(root, crawl_id):
        report = _run(urls, follow, {
            **overrides, "ARCHIVE_DIR": root.uri, "ARCHIVE_S3_ENDPOINT": root.endpoint,
            "ARCHIVE_CRAWL_ID": crawl_id, "ARCHIVE_LOCK_HELD": True,
        })
    status = report.stats.get("archive/crawl_status", "failed")
    parts = [f"{k} {v}" for k, v in {**report.outcome_counts(), **report.skipped_counts()}.items() if v]
    line = f"crawl {crawl_id} {status}: {' · '.join(parts) or 'nothing archived'} in {report.seconds:.1f}s -> {out}"
    notes = [report.stats.get("archive/crawl_reason", "the crawl did not finish")] if status != "finished" else []
    if warc_error := report.stats.get("archive/warc_error"):  # crawler.capture.WARC_ERROR
        notes.append(f"WARC capture stopped: {warc_error}")
    if notes:
        line += f" ({'; '.join(notes)})"
    return status, line, report.stats


def _run(urls: list[str], follow: bool, overrides: dict[str, Any]) -> Any:
    from crawler.runner import run_crawl  # the Scrapy project, loaded only to crawl

    return run_crawl(urls, follow=follow, overrides=overrides)


def archive_to_read(args: argparse.Namespace) -> Location:
    """The archive a read command names; ArchiveError when nothing is archived there."""
    root = locate(args.archive, args.s3_endpoint)
    if not root.holds_archive():
        raise root.no_archive()
    return root


def cmd_stats(args: argparse.Namespace) -> int:
    root = archive_to_read(args)
    print(format_summary(str(root) if not root.local else args.archive, summarize(root)))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo import SITE_DIR
    from crawler.demo.server import SiteServer

    check_archive_dir(args.out)
    with SiteServer(SITE_DIR, validators=True, public_url=DEMO_URL) as site:
        print(f"serving the demo blog as {DEMO_URL}/ from {site.address}")
        overrides = {
            "LOG_LEVEL": "INFO" if args.verbose else "WARNING",
            "LOG_MACHINERY": args.verbose,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            # the demo's name reaches the server whatever port it has: the same URLs every run
            "CRAWL_HOST_PROXIES": {urlsplit(DEMO_URL).hostname: site.address},
        }
        status, line, _ = crawl_into(args.out, [DEMO_URL + "/"], True, overrides)
    print(line + "\n")
    print(format_summary(args.out, summarize(args.out)))
    query = f"SELECT platform, title, author, published, word_count FROM read_parquet('{args.out}/pages/*.parquet')"
    print("\nread it with DuckDB (the duckdb CLI, or duckdb.sql(query).show() in Python):")
    print(f"  {query};")
    hints = [(f"blogarchive report {args.out} -o report.html", "charts, in one offline file"),
             (f"blogarchive serve {args.out}", "browse posts and their versions at http://127.0.0.1:8080/")]
    width = max(len(command) for command, _ in hints)
    print("\nsee it:")
    for command, what in hints:
        print(f"  {command:<{width}}   {what}")
    return EXIT_FOR_STATUS[status]


#: the demo blog's URLs, the same on every run whatever port serves them (a name under
#: .localhost, which is never a real host), so a second `blogarchive demo` into the same
#: folder is an incremental crawl
DEMO_URL = "http://demo-blog.localhost"


def cmd_export(args: argparse.Namespace) -> int:
    from .export import export

    result = export(archive_to_read(args), args.format, args.out,
                    history=args.history, posts_only=args.posts_only)
    if args.out and args.out != "-":
        files = len(result.files)
        where = args.out if args.format in ("jsonl", "csv") else f"{files} file{'s' if files != 1 else ''} in {args.out}"
        print(f"exported {result.rows} page{'s' if result.rows != 1 else ''} as {args.format} -> {where}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 when every file left in the tables reads whole, 1 when damaged ones remain."""
    from .integrity import verify

    root = archive_to_read(args)
    with ArchiveLock(root, "verify") if args.quarantine else nullcontext():  # no crawl reads what moves
        report = verify(root, quarantine=args.quarantine)
    for index, (path, reason) in enumerate(report.damaged):
        moved = f" -> {report.moved[index]}" if index < len(report.moved) else ""
        print(f"damaged  {path}  ({reason}){moved}")
    files = sum(report.checked.values())
    per_table = ", ".join(f"{table} {count}" for table, count in report.checked.items())
    left = len(report.damaged) - len(report.moved)
    verdict = ("all readable" if not report.damaged
               else f"{len(report.damaged)} damaged" + (f", {len(report.moved)} moved to quarantine/" if report.moved else
                                                         f": run 'blogarchive verify {args.archive} --quarantine' to set them aside"))
    print(f"checked {files} file{'s' if files != 1 else ''} ({per_table}): {verdict}")
    return EXIT_FAILED if left else EXIT_FINISHED


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    target = Path(args.out)
    if target.is_dir():
        raise UsageError(f"{args.out} is a folder: give a file name for the report")
    document, seconds = build_report(archive_to_read(args))
    try:
        target.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"report -> {args.out} ({len(document.encode()) / 1024:.0f} KB, built in {seconds:.1f}s)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from werkzeug.serving import make_server

    from .web import create_app

    logging.basicConfig(format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)

    root = archive_to_read(args)
    # bound here, not by werkzeug: on a port in use it prints its own advice and exits 1
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", args.port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None
    with listener:
        port = listener.getsockname()[1]
        server = make_server("127.0.0.1", port, create_app(root), threaded=True, fd=listener.fileno())
    print(f"serving {root} at http://127.0.0.1:{port}/ (read-only; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    root = archive_to_read(args)
    versions = page_history(root, args.url, ["fetched_at", "crawl_id", "content_hash", "word_count", "title"])
    fetches = read_fetches(root, ["url", "fetched_at", "outcome"])
    fetches = fetches.filter(pc.equal(fetches["url"], args.url)).sort_by("fetched_at").to_pylist()
    if not versions.num_rows and not fetches:
        raise UsageError(f"{args.url} is not in {args.archive} (see 'blogarchive stats')")
    print(f"{args.url}: {versions.num_rows} version{'s' if versions.num_rows != 1 else ''}")
    for row in versions.to_pylist():
        print(f"  {row['fetched_at']:%Y-%m-%d %H:%M:%S}  crawl {row['crawl_id']}  {row['content_hash'][:12]}  "
              f"{row['word_count']:>6} words  {row['title'] or ''}")
    if fetches:
        counts = Counter(row["outcome"] for row in fetches)
        last = fetches[-1]
        print(f"fetches: {' · '.join(f'{k} {v}' for k, v in sorted(counts.items()))}"
              f" (last: {last['outcome']} at {last['fetched_at']:%Y-%m-%d %H:%M:%S})")
    return 0


def format_summary(root: str, summary: ArchiveSummary) -> str:
    def span() -> str:
        if summary.first_published is None:
            return "none dated"
        return f"{summary.first_published:%Y-%m-%d} to {summary.last_published:%Y-%m-%d}"

    rows = [
        ("archive", root),
        ("pages", f"{summary.pages} ({summary.posts} posts), {summary.versions} versions"),
        ("sites", f"{len(summary.sites)}: {', '.join(summary.sites[:5])}{' ...' if len(summary.sites) > 5 else ''}"),
        ("published", span()),
        ("words", f"{summary.words:,} (latest versions)"),
        ("platforms", _counts(summary.platforms)),
        ("fetches", _counts(summary.outcomes)),
        ("crawls", str(len(summary.crawls))),
    ]
    lines = [f"{name:<10} {value}" for name, value in rows]
    for crawl in summary.crawls[-10:]:
        took = (crawl["finished_at"] - crawl["started_at"]).total_seconds() if crawl["finished_at"] else None
        lines.append(
            f"  {crawl['crawl_id']}  {crawl['status']:<11} {crawl['started_at']:%Y-%m-%d %H:%M:%S}"
            f"  {f'{took:.1f}s' if took is not None else '-':>7}  {_counts(dict(crawl['counts'] or []))}"
        )
    if len(summary.crawls) > 10:
        lines.insert(len(rows), f"  ({len(summary.crawls) - 10} older crawls not shown)")
    return "\n".join(lines)


def _counts(counter: Any) -> str:
    return " · ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"


def check_text_arguments(args: argparse.Namespace) -> None:
    """UsageError for an argument that is not text: a byte that is not UTF-8 (Python keeps
    it as a lone surrogate, which no file name, URL or Parquet string can hold)."""
    for name, value in vars(args).items():
        if name == "out" and value == "":
            raise UsageError("--out is empty: give a folder (or s3://bucket/prefix)")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    shown = item.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
                    raise UsageError(f"{name.replace('_', '-')} {shown!r} is not valid UTF-8") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # --help, or a usage mistake: argparse has printed it
            sys.stdout.flush()
            return stop.code if isinstance(stop.code, int) else EXIT_USAGE
        check_text_arguments(args)
        status = _dispatch(args)
        sys.stdout.flush()  # here, not at exit: a full disk or /dev/full is reported, not ignored
        return status
    except UsageError as exc:  # before ArchiveError: an ArchivePathError is both, and a usage mistake
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LockHeld as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except ArchiveError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `blogarchive export ... | head`: the reader has had enough
        _drop_stdout()
        return EXIT_FINISHED
    except OSError as exc:  # stdout on a full disk or /dev/full, a file the command writes
        where = exc.filename or ("standard output" if _stdout_failed() else None)
        _drop_stdout()
        print(f"{PROG}: error: {f'{where}: ' if where else ''}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED


def _stdout_failed() -> bool:
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that what is left in its buffer does not fail again
    (with a traceback) when Python flushes it on the way out."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in ("worker", "submit", "schedule", "status"):
        return _dispatch_cluster(args)
    return _COMMANDS[args.command](args)


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "crawl": lambda args: cmd_crawl(args, follow=True),
    "get": lambda args: cmd_crawl(args, follow=False),
    "stats": cmd_stats,
    "history": cmd_history,
    "export": cmd_export,
    "serve": cmd_serve,
    "report": cmd_report,
    "verify": cmd_verify,
    "demo": cmd_demo,
}


def _dispatch_cluster(args: argparse.Namespace) -> int:
    from . import cluster

    if args.command == "worker":
        return cluster.cmd_worker(args)
    if args.command == "status":
        return cluster.cmd_status(args)
    settings = {k: str(v) for k, v in parse_settings(args.set).items()}
    if args.command == "schedule":
        return cluster.cmd_schedule(args, gather_urls(args), settings)
    return cluster.cmd_submit(args, gather_urls(args), settings)


if __name__ == "__main__":
    sys.exit(main())
