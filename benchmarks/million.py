"""A large archive generated row by row (no crawl), and what reading it costs: S sites
crawled daily for D days, N page versions in all, each crawl writing its files as a real
crawl does (`ArchiveWriter`: one pages, one fetches and two crawls files per crawl).

Printed before and after `blogarchive compact` (itself measured): files and bytes per
table; then, each a whole command measured from outside (`measure.py`): `blogarchive
stats`, a DuckDB query by host over the pages files, `export --format jsonl` (peak
memory), the archive state a crawl reads as it starts (`archive.state.load_state`, what
`crawl` does before its first request), and `serve`'s first request (which reads the
archive).

    .venv/bin/python benchmarks/million.py [--pages 1000000] [--days 365] [--sites 200] [--keep DIR]

The issue's size is the default; `--sites 20 --pages 100000` is the same year at a tenth.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from measure import run  # noqa: E402

from blogarchive.archive.crawls import crawl_row  # noqa: E402
from blogarchive.archive.schema import FETCHES_SCHEMA, PAGES_SCHEMA  # noqa: E402
from blogarchive.archive.writer import ArchiveWriter  # noqa: E402
from blogarchive.crawler.demo.server import SiteServer  # noqa: E402

BIN = Path(sys.executable).parent
WORDS = (
    "harbour boat gull tide ferry net quay lamp wind sail rope anchor island shore wave "
    "morning evening winter summer market fish bread coffee garden letter story village"
).split()
START = datetime(2025, 1, 1, 6, tzinfo=timezone.utc)


def generate(root: Path, pages: int, days: int, sites: int, checkpoint: Callable[[int], None] | None = None) -> float:
    """Write the archive; the seconds it took. Each site's crawl of a day stores new posts
    and new versions of old ones (a tenth of its rows), and records every page it
    fetched (each stored row, and as many found unchanged)."""
    started = time.perf_counter()
    rng = random.Random(21)
    per_crawl = max(1, pages // (days * sites))
    known: dict[int, int] = {}
    for day in range(days):
        for site in range(sites):
            host = f"site-{site}.example"
            crawl_id = f"d{day:03d}s{site:03d}"
            at = START + timedelta(days=day, minutes=site)
            seeds = [f"https://{host}/"]
            with ArchiveWriter(root, crawl_id) as writer:
                writer.write_crawl(crawl_row(crawl_id, "running", started_at=at, seeds=seeds, settings="{}"))
                count, new = known.get(site, 0), 0
                for n in range(per_crawl):
                    if count and n % 10 == 0:  # a new version of an earlier post
                        number = rng.randrange(count)
                    else:
                        number, new = count + new, new + 1
                    url = f"https://{host}/post-{number}"
                    text = "\n".join(" ".join(rng.choices(WORDS, k=40)) for _ in range(8))
                    row = dict.fromkeys(PAGES_SCHEMA.names)
                    row.update(
                        url=url,
                        host=host,
                        crawl_id=crawl_id,
                        fetched_at=at + timedelta(seconds=n),
                        status=200,
                        platform="wordpress",
                        page_type="post",
                        title=f"Post {number} of {host}",
                        author="Ann Quill",
                        published=at - timedelta(days=rng.randrange(30)),
                        language="en",
                        categories=[],
                        tags=[rng.choice(WORDS)],
                        text=text,
                        line_kinds=["p"] * 8,
                        comments=[],
                        word_count=320,
                        content_hash=hashlib.sha256(f"{url}#{day}".encode()).hexdigest(),
                        minhash=rng.randbytes(256),  # a real signature looks as random
                        links=[f"https://{host}/"],
                        html="<html><body><article>" + text.replace("\n", "<p>") + "</article></body></html>",
                        rendered=False,
                    )
                    writer.write_page(row)
                    for outcome in ("stored", "unchanged"):
                        fetch = dict.fromkeys(FETCHES_SCHEMA.names)
                        fetch.update(
                            url=url if outcome == "stored" else f"https://{host}/old-{n}",
                            host=host,
                            crawl_id=crawl_id,
                            fetched_at=at + timedelta(seconds=n),
                            kind="page",
                            status=200,
                            outcome=outcome,
                            rendered=False,
                        )
                        writer.write_fetch(fetch)
                known[site] = count + new
                writer.write_crawl(
                    crawl_row(
                        crawl_id,
                        "finished",
                        started_at=at,
                        finished_at=at + timedelta(minutes=1),
                        seeds=seeds,
                        settings="{}",
                    )
                )
        if day % 30 == 0:
            print(f"  day {day}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
        if checkpoint is not None:
            checkpoint(day + 1)
    return time.perf_counter() - started


def serve_first_request(root: Path) -> float:
    server = subprocess.Popen(
        [str(BIN / "blogarchive"), "serve", str(root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        base = line.split(" at ", 1)[1].split()[0].rstrip("/")
        started = time.perf_counter()
        with urllib.request.urlopen(base + "/", timeout=600) as response:
            response.read()
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


SMALL_POST = (
    "<html><head><title>One post</title></head><body><article><h1>One post</h1>"
    + "<p>A paragraph of the one post of this site, long enough to be kept as its text.</p>" * 5
    + "</article></body></html>"
)

#: what a crawl of one site does before its first request: the archive's state (the known pages
#: of its host, every URL's latest text) and dedup's indexes built from it
STARTUP = (
    "from blogarchive.archive.state import load_state; from blogarchive.pipelines.dedup import DedupPipeline; "
    "state = load_state('{root}', hosts=['site-7.example']); DedupPipeline().archive_opened(state); "
    "print(len(state), len(state.texts))"
)


def series(root: Path, args: argparse.Namespace) -> None:
    """A crawl's start-up against the number of crawls so far: measured at `--series`
    evenly spaced days as the archive grows, before and after a compaction (what
    `-s ARCHIVE_COMPACT_FILES` does by itself)."""
    marks = {round(args.days * (k + 1) / args.series) for k in range(args.series)}
    print("| crawls so far | URLs | files before | start-up before compact | after compact | compact |")
    print("|---:|---:|---:|---:|---:|---:|")

    def checkpoint(day: int) -> None:
        if day not in marks:
            return
        files = sum(len(list((root / t).glob("*.parquet"))) for t in ("pages", "fetches", "crawls"))
        before = run([sys.executable, "-c", STARTUP.format(root=root)], cwd=ROOT)
        compacted = run([str(BIN / "blogarchive"), "compact", str(root)], cwd=ROOT)
        after = run([sys.executable, "-c", STARTUP.format(root=root)], cwd=ROOT)
        if before.returncode or compacted.returncode or after.returncode:
            raise SystemExit(f"failed: {before.stderr[-300:]} {compacted.stderr[-300:]} {after.stderr[-300:]}")
        versions = before.stdout.split()[1] if before.stdout.split() else "?"
        print(
            f"| {day * args.sites:,} | {int(versions):,} | {files:,} | {before.seconds:.2f} s, {before.peak_mb:.0f} MB | "
            f"{after.seconds:.2f} s, {after.peak_mb:.0f} MB | {compacted.seconds:.0f} s |",
            flush=True,
        )

    generate(root, args.pages, args.days, args.sites, checkpoint)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="write the archive here (kept) instead of a temporary folder")
    parser.add_argument(
        "--series",
        type=int,
        metavar="N",
        help="instead: a crawl's start-up at N points as the archive grows, before and after compacting",
    )
    parser.add_argument(
        "--compact-only", action="store_true", help="instead: only `blogarchive compact` (time, CPU, peak memory)"
    )
    args = parser.parse_args()
    if args.compact_only:
        with tempfile.TemporaryDirectory() as tmp_name:
            root = args.keep or Path(tmp_name) / "archive"
            if not (root / "pages").is_dir():
                print(f"generated in {generate(root, args.pages, args.days, args.sites):.0f} s")
            result = run([str(BIN / "blogarchive"), "compact", str(root)], cwd=ROOT)
            print(
                f"`blogarchive compact`: {result.seconds:.1f} s, {result.cpu_seconds:.1f} CPU s, peak {result.peak_mb:.0f} MB"
            )
            print(result.stdout or result.stderr)
        return
    if args.series:
        with tempfile.TemporaryDirectory() as tmp_name:
            series(Path(tmp_name) / "archive", args)
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        root = args.keep or Path(tmp_name) / "archive"
        if not (root / "pages").is_dir():
            seconds = generate(root, args.pages, args.days, args.sites)
            print(f"generated in {seconds:.0f} s")
        print(f"{args.sites} sites, {args.days} daily crawls each, ~{args.pages:,} page versions")
        query = (
            'import duckdb, sys; print(duckdb.sql("SELECT count(*), max(fetched_at) FROM '
            f"read_parquet('{root}/pages/*.parquet') WHERE host = 'site-7.example'\").fetchall())"
        )
        state = STARTUP.format(root=root)
        commands = {
            "blogarchive stats": [str(BIN / "blogarchive"), "stats", str(root)],
            "DuckDB: one host's pages": [sys.executable, "-c", query],
            "a crawl's start-up (state and indexes)": [sys.executable, "-c", state],
            "export --format jsonl": [
                str(BIN / "blogarchive"),
                "export",
                str(root),
                "-f",
                "jsonl",
                "-o",
                str(Path(tmp_name) / "out.jsonl"),
            ],
        }
        folder = Path(tmp_name) / "site"
        folder.mkdir()
        (folder / "index.html").write_text(SMALL_POST)
        site = SiteServer(folder).start()
        commands["a whole crawl of a one-page site into it (`get URL --out`)"] = [
            str(BIN / "blogarchive"),
            "get",
            site.url("/"),
            "--out",
            str(root),
        ]
        for when in ("before compaction", "after compaction"):
            print(f"\n{when}:\n")
            print("| table | files | MB |")
            print("|---|---:|---:|")
            for table in ("pages", "fetches", "crawls"):
                files = list((root / table).glob("*.parquet"))
                print(f"| {table} | {len(files):,} | {sum(f.stat().st_size for f in files) / 1e6:,.0f} |")
            print("\n| command | wall s | CPU s | peak RSS MB |")
            print("|---|---:|---:|---:|")
            for name, command in commands.items():
                result = run(command, cwd=ROOT)
                if result.returncode != 0:
                    raise SystemExit(f"{name} failed: {result.stderr[-500:]}")
                print(f"| {name} | {result.seconds:.1f} | {result.cpu_seconds:.1f} | {result.peak_mb:.0f} |")
            print(f"| serve: first request | {serve_first_request(root):.1f} | | |")
            if when == "before compaction":
                result = run([str(BIN / "blogarchive"), "compact", str(root)], cwd=ROOT)
                if result.returncode != 0:
                    raise SystemExit(f"compact failed: {result.stderr[-500:]}")
                print(
                    f"\n`blogarchive compact`: {result.seconds:.1f} s, {result.cpu_seconds:.1f} CPU s, peak {result.peak_mb:.0f} MB"
                )
                print(result.stdout)
        empty = run([str(BIN / "blogarchive"), "get", site.url("/"), "--out", str(Path(tmp_name) / "empty")], cwd=ROOT)
        site.stop()
        print(f"\nthe same crawl into an empty archive: {empty.seconds:.1f} s, peak {empty.peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
