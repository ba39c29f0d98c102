"""Shared test helpers: loopback site servers, the real command in a subprocess, archive readers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pytest
from hypothesis import settings as hypothesis_settings

from crawler.demo.server import Route, SiteServer

# CI explores the same examples on every run (a failing run does not land, so it must
# not fail by luck); elsewhere each run explores new ones
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BLOGARCHIVE = str(Path(sys.executable).with_name("blogarchive"))


@pytest.fixture
def serve() -> Iterator[Callable[..., SiteServer]]:
    """serve(folder, routes={...}) starts a site on 127.0.0.1; all stop after the test."""
    servers: list[SiteServer] = []

    def start(root: Path | str | None = None, routes: dict[str, Route] | None = None, **options: object) -> SiteServer:
        server = SiteServer(root, routes, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def write_site(root: Path, files: dict[str, str]) -> Path:
    """A folder of pages for SiteServer: {"post.html": html, ...}."""
    root.mkdir(parents=True, exist_ok=True)
    for name, html in files.items():
        (root / name).write_text(html, encoding="utf-8")
    return root


def run_blogarchive(*args: str, timeout: float = 180, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real `blogarchive` command, as a user runs it."""
    return subprocess.run(
        [BLOGARCHIVE, *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def duck(archive: Path, sql: str) -> list[tuple]:
    """Run `sql` with `pages` and `fetches` bound to the archive's Parquet files in DuckDB."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW pages AS SELECT * FROM read_parquet('{archive}/pages/*.parquet')")
    con.execute(f"CREATE VIEW fetches AS SELECT * FROM read_parquet('{archive}/fetches/*.parquet')")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
