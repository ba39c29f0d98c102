"""What the commands share: the parser, option groups, argument types and the checks of
URLs, input files and settings, all pure (nothing is fetched or written)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from blogarchive.archive.errors import InvalidRequest
from blogarchive.archive.exits import MEANINGS
from blogarchive.pipelines.dates import parse_duration
from blogarchive.pipelines.links import read_url_file, valid_host

if TYPE_CHECKING:
    from blogarchive.archive.location import Location

PROG = "blogarchive"

#: the optional libraries a command may need, and the extra (pyproject.toml) that installs each
EXTRA_OF = {
    "celery": "cluster",
    "kombu": "cluster",
    "redis": "cluster",
    "flask": "ui",
    "werkzeug": "ui",
    "jinja2": "ui",
    "matplotlib": "ui",
}


def extra_installed(extra: str) -> bool:
    """Whether every library of `extra` (EXTRA_OF) can be imported here."""
    return all(importlib.util.find_spec(module) for module, of in EXTRA_OF.items() if of == extra)


class UsageError(InvalidRequest):
    """A mistake in a command's arguments: one line, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line, without the usage block."""

    #: the function that runs each command, by name (set on the top-level parser)
    handlers: dict[str, Callable[[argparse.Namespace], int]]

    def error(self, message: str) -> NoReturn:
        # an argument argparse quotes may hold a newline or a terminal escape: shown escaped
        message = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in message)
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")

    def _print_message(self, message: str, file: Any = None) -> None:
        """argparse's, without swallowing OSError: help sent to a full disk is a failure."""
        if message:
            (file or sys.stderr).write(message)


def exit_code_help() -> str:
    """What each exit status means, as `--help` of the crawl commands shows it."""
    lines = [
        textwrap.fill(meaning, 78, initial_indent=f"  {code:<4}", subsequent_indent=" " * 6)
        for code, meaning in MEANINGS.items()
    ]
    return "exit status (every command):\n" + "\n".join(lines)


def epilog(example: str) -> str:
    """`--help`'s closing text for a command that crawls: an example and the exit statuses."""
    return f"{example}\n\n{exit_code_help()}"


def add_settings_option(
    parser: argparse.ArgumentParser, what: str = "override a Scrapy or blogarchive setting"
) -> None:
    parser.add_argument(
        "--set",
        "-s",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"{what}, e.g. -s DOWNLOAD_DELAY=1; repeatable",
    )


def add_archive_argument(parser: argparse.ArgumentParser) -> None:
    """The archive a read command reads: a folder or an S3 prefix (and its endpoint)."""
    parser.add_argument("archive", metavar="DIR", help="archive folder or s3://bucket/prefix")
    add_s3_option(parser)


def add_s3_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--s3-endpoint",
        metavar="URL",
        default=None,
        help="endpoint of an S3-compatible store for s3:// archives, e.g. http://127.0.0.1:9000 "
        "(default: $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL, else AWS)",
    )


def add_fetch_options(parser: argparse.ArgumentParser, out_required: bool) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="start URL(s): http or https")
    parser.add_argument(
        "--out",
        "-o",
        required=out_required,
        metavar="DIR",
        help="archive folder (created if missing) or s3://bucket/prefix",
    )
    add_s3_option(parser)
    parser.add_argument(
        "--input-file", "-i", metavar="FILE", help="read URLs from FILE, one a line (# starts a comment)"
    )
    add_settings_option(parser)
    parser.add_argument(
        "--warc",
        action="store_true",
        help="also keep every HTTP exchange, as sent and received, in WARC files in the archive's warc/ folder",
    )
    parser.add_argument(
        "--render",
        choices=("never", "auto", "always"),
        default=None,
        help="render pages in a browser (Chromium): auto (the default where one is installed) only the pages "
        "whose text their script brings; always every page; never",
    )
    parser.add_argument(
        "--allow-private",
        action="store_true",
        help="let links and redirects lead to private, loopback and link-local addresses "
        "(by default only the start URLs' own hosts may be private)",
    )
    # a worker holds its site's lock in Redis and says so; not for people, so not in --help
    parser.add_argument("--lock-held", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what Scrapy does")


def duration(value: str) -> float:
    """Seconds in '90', '90s', '30m', '6h', '2d' or '1w' (blogarchive.pipelines.dates.parse_duration)."""
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_duration(value: str) -> float:
    """A duration that must be more than 0 (an interval: 0 would repeat without pause)."""
    seconds = duration(value)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not more than 0 seconds")
    return seconds


def host_name(value: str) -> str:
    """A host name as --allow-host takes it: no scheme, port, path or user."""
    host = value.strip().lower().rstrip(".")
    if not host or len(host) > 253 or any(c in host for c in "/\\?#@[]: \t"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a host name (like blog.example.com)")
    return host


def port(value: str) -> int:
    number = non_negative(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535)")
    return number


def non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return number


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
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise UsageError(f"{url!r} has an invalid port") from None
    if not parts.hostname:
        raise UsageError(f"{url!r} has no host")
    if not valid_host(parts.hostname):
        raise UsageError(f"{url!r} has not a valid host name ({parts.hostname!r})")
    return url.strip()


#: the longest URL taken from the command line or an input file (the crawl's own bound
#: on links, CRAWL_MAX_URL_LENGTH, is 2,083)
MAX_URL_CHARS = 8192


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
    from blogarchive.crawler.overrides import check_overrides

    return check_overrides(settings)


def gather_urls(args: argparse.Namespace) -> list[str]:
    urls = list(args.urls)
    if args.input_file:
        urls += read_url_file(args.input_file)
    if not urls:
        raise UsageError("give at least one URL, or --input-file FILE")
    return list(dict.fromkeys(check_url(u) for u in urls))


def archive_to_read(args: argparse.Namespace) -> Location:
    """The archive a read command names; ArchiveError when nothing is archived there."""
    from blogarchive.archive.location import locate

    root = locate(args.archive, args.s3_endpoint)
    if not root.holds_archive():
        raise root.no_archive()
    return root
