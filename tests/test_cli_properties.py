"""Random arguments to every command (hypothesis): the answer is always an exit status and at
most one line of error, never a traceback. Commands that only read run in full against a
real archive; those that would crawl, serve or reach a broker run up to the point where they
would start (every check of their arguments), so nothing leaves the machine."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogarchive.archive.errors import ArchiveError, InvalidRequest
from blogarchive.cli import build_parser, check_text_arguments, main
from blogarchive.cli.cluster import check_broker, check_submitted
from blogarchive.cli.crawl import crawl_request
from blogarchive.cli.options import gather_urls, parse_settings

EXIT_STATUSES = {0, 1, 2, 3, 75}
READ_COMMANDS = ["stats", "history", "export", "report", "verify"]
START_COMMANDS = ["crawl", "get", "submit", "schedule"]

ODD_VALUES = [
    "",
    " ",
    "-",
    "--",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "1e400w",
    "-1",
    "0",
    "99999999999999999999",
    "3.5",
    "90s",
    "2d",
    "http://[::1/",
    "http://[zz]/",
    "http://[::1]:0/",
    "http://127.0.0.1:99999/",
    "http://",
    "https://x",
    "ftp://x/",
    "file:///etc/passwd",
    "http://user:pw@127.0.0.1:9/",
    "http://bücher.test/",
    "x\udcff",
    "http://x/\udcff",
    "\x00",
    "/dev/full",
    "/dev/zero",
    "/nonexistent/dir/file",
    ".",
    "..",
    "a" * 300,
    "DOWNLOAD_DELAY=nan",
    "X=1",
    "=",
    "CRAWL_REVISIT_AFTER=1e300",
    "LOG_FILE=/tmp/x",
    "redis://127.0.0.1:9/0",
    "http://nope",
    "jsonl",
    "csv",
    "markdown",
    "warc",
]


def _options(command: str) -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return [flag for action in sub._actions for flag in action.option_strings]


def _arguments(commands: list[str]) -> st.SearchStrategy[tuple[str, list[str]]]:
    def for_command(command: str) -> st.SearchStrategy[tuple[str, list[str]]]:
        token = st.one_of(
            st.sampled_from(_options(command)),
            st.sampled_from(ODD_VALUES),
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
        )
        return st.tuples(st.just(command), st.lists(token, max_size=8))

    return st.sampled_from(commands).flatmap(for_command)


@pytest.fixture(scope="module")
def workplace(versioned_archive, tmp_path_factory):
    """A copy of a real archive, and a folder to run in (exports and reports land there)."""
    where = tmp_path_factory.mktemp("cli-properties")
    shutil.copytree(versioned_archive[0], where / "archive")
    return where


def _quiet_main(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, err.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(_arguments(READ_COMMANDS), st.booleans())
def test_read_commands_answer_any_arguments_with_a_status_and_one_line(workplace, command_and_tokens, with_archive):
    command, tokens = command_and_tokens
    argv = [command, *(["archive"] if with_archive else []), *tokens]
    if any(t.startswith("s3:") for t in argv):  # an S3 archive without an endpoint asks AWS for its region
        return
    previous = os.getcwd()
    os.chdir(workplace)
    try:
        status, err = _quiet_main(argv)
    finally:
        os.chdir(previous)
    assert status in EXIT_STATUSES, (argv, status, err)
    assert err.count("\n") <= 1 and "Traceback" not in err, (argv, err)


@settings(max_examples=150, deadline=None)
@given(_arguments(START_COMMANDS))
def test_commands_that_would_start_work_check_any_arguments_with_a_usage_error_at_most(command_and_tokens):
    """Everything these commands check before they fetch, serve or queue anything: a
    wrong argument is an InvalidRequest (one line, exit 2), never another exception."""
    command, tokens = command_and_tokens
    argv = [command, *tokens]
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:
            assert stop.code in (0, 2)
            assert err.getvalue().count("\n") <= 1, err.getvalue()
            return
    try:
        check_text_arguments(args)
        if command in ("crawl", "get"):
            crawl_request(args, follow=command == "crawl")
        else:
            check_submitted({k: str(v) for k, v in parse_settings(args.set).items()})
            gather_urls(args)
            check_broker(args.broker)
    except InvalidRequest:
        pass
    except ArchiveError as exc:  # not expected before anything is read or written
        pytest.fail(f"{argv}: {exc}")
