"""The `blogarchive` command line: parse, call one library function, report.

One module per group of commands (`crawl`, `read`, `view`, `cluster`), each adding its
parsers and naming the function that runs each command. Errors become one line on stderr
and the exit status `blogarchive.archive.exits.exit_for` gives them. Nothing here loads Scrapy:
the crawl commands load the Scrapy project only when they run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from blogarchive.archive.errors import ArchiveError
from blogarchive.archive.exits import Exit, exit_for

from . import cluster, crawl, read, view
from .options import EXTRA_OF, PROG, Parser, UsageError

__all__ = ["build_parser", "main"]


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="Archive blogs as clean text and metadata in Parquet.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    handlers = {}
    for group in (crawl, read, view, cluster):
        handlers.update(group.add_parsers(commands))
    parser.handlers = handlers
    return parser


def check_text_arguments(args: argparse.Namespace) -> None:
    """UsageError for an argument that is not text: a byte that is not UTF-8 (Python keeps
    it as a lone surrogate, which no file name, URL or Parquet string can hold)."""
    for name, value in vars(args).items():
        if name == "out" and value == "":
            raise UsageError("--out is empty: give a path")
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
            parser = build_parser()
            args = parser.parse_args(argv)
        except SystemExit as stop:  # --help, or a usage mistake: argparse has printed it
            sys.stdout.flush()
            return stop.code if isinstance(stop.code, int) else Exit.USAGE
        check_text_arguments(args)
        status = parser.handlers[args.command](args)
        sys.stdout.flush()  # here, not at exit: a full disk or /dev/full is reported, not ignored
        return status
    except ArchiveError as exc:  # a usage mistake (exit 2), a held lock (75), a failure (1)
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exit_for(exc)
    except ModuleNotFoundError as exc:
        if (extra := EXTRA_OF.get((exc.name or "").split(".")[0])) is None:
            raise
        print(
            f"{PROG}: error: '{PROG} {args.command}' needs the [{extra}] extra ({exc.name} is not installed): "
            f"pip install 'blogarchive[{extra}]'",
            file=sys.stderr,
        )
        return Exit.FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:  # `blogarchive export ... | head`: the reader has had enough
        _drop_stdout()
        return Exit.FINISHED
    except OSError as exc:  # stdout on a full disk or /dev/full, a file the command writes
        where = exc.filename or ("standard output" if _stdout_failed() else None)
        _drop_stdout()
        print(f"{PROG}: error: {f'{where}: ' if where else ''}{exc.strerror or exc}", file=sys.stderr)
        return Exit.FAILED


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
