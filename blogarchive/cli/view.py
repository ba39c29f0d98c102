"""`report` and `serve`: the archive for people, as one HTML file or in a browser."""

from __future__ import annotations

import argparse
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from blogarchive.archive.errors import ArchiveError

from .options import UsageError, add_archive_argument, archive_to_read, port


def add_parsers(commands: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    report = commands.add_parser(
        "report",
        help="one self-contained HTML file of charts about the archive",
        epilog="example: blogarchive report archive -o report.html",
    )
    add_archive_argument(report)
    report.add_argument(
        "--out", "-o", default="report.html", metavar="FILE", help="where to write it (default: ./report.html)"
    )

    serve = commands.add_parser(
        "serve",
        help="browse the archive in a web browser (read-only, on 127.0.0.1)",
        epilog="example: blogarchive serve archive --port 8080",
    )
    add_archive_argument(serve)
    serve.add_argument(
        "--port", type=port, default=8080, metavar="N", help="port to listen on (default 8080; 0: any free port)"
    )
    serve.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return {"report": cmd_report, "serve": cmd_serve}


def cmd_report(args: argparse.Namespace) -> int:
    from blogarchive.report import build_report

    target = Path(args.out)
    if target.is_dir():
        raise UsageError(f"{args.out} is a folder: give a file name for the report")
    document, seconds = build_report(archive_to_read(args))
    try:
        target.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise ArchiveError(f"cannot write {args.out}: {exc.strerror or exc}") from None  # exit 1, as export
    print(f"report -> {args.out} ({len(document.encode()) / 1024:.0f} KB, built in {seconds:.1f}s)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from blogarchive.web import create_app

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
