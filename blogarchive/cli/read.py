"""`stats`, `dups`, `history`, `export`, `verify` and `compact`: the commands that read an archive
(and, for `verify --quarantine` and `compact`, rearrange its files)."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from blogarchive.archive.exits import Exit

from .options import UsageError, add_archive_argument, archive_to_read

if TYPE_CHECKING:
    from blogarchive.archive.reader import ArchiveSummary

# The archive's modules (pyarrow) are imported by the commands that read one: `get --print`
# parses the same command line and never loads them.


def add_parsers(commands: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    stats = commands.add_parser(
        "stats", help="summarise an archive and its crawls", epilog="example: blogarchive stats archive"
    )
    add_archive_argument(stats)

    history = commands.add_parser(
        "history",
        help="list the stored versions of one page",
        epilog="example: blogarchive history archive https://blog.example.com/2024/05/a-post/",
    )
    add_archive_argument(history)
    history.add_argument("url", metavar="URL", help="the page's URL, as stored")

    export = commands.add_parser(
        "export",
        help="write the pages as JSON Lines, CSV, Markdown or WARC files",
        epilog="example: blogarchive export archive --format markdown --out posts/",
    )
    add_archive_argument(export)
    export.add_argument(
        "--format",
        "-f",
        required=True,
        choices=["jsonl", "csv", "markdown", "warc"],
        help="jsonl or csv: one file (default: stdout); markdown: one file per page with a front-matter "
        "header; warc: gzipped WARC files built from the html column",
    )
    export.add_argument("--out", "-o", metavar="PATH", help="file (jsonl, csv) or folder (markdown, warc)")
    export.add_argument("--history", action="store_true", help="every stored version, not just the latest of each page")
    export.add_argument("--posts-only", action="store_true", help="only pages of type post (no listings)")

    verify = commands.add_parser(
        "verify",
        help="check every file of an archive; name (and set aside) damaged ones",
        epilog="example: blogarchive verify archive --quarantine",
    )
    add_archive_argument(verify)
    verify.add_argument(
        "--quarantine",
        action="store_true",
        help="move damaged files into the archive's quarantine/ folder, which readers skip",
    )
    compact = commands.add_parser(
        "compact",
        help="rewrite a table's many small files as a few large ones, sorted by host and URL",
        epilog="example: blogarchive compact archive",
    )
    add_archive_argument(compact)
    compact.add_argument(
        "--table",
        choices=["pages", "fetches", "crawls"],
        action="append",
        help="the table to compact (repeatable; default: all three)",
    )
    dups = commands.add_parser(
        "dups",
        help="list the clusters of near-duplicate pages (reposts, syndicated copies)",
        epilog="example: blogarchive dups archive",
    )
    add_archive_argument(dups)
    dups.add_argument("--json", action="store_true", help="one JSON object per cluster, per line")
    return {
        "stats": cmd_stats,
        "dups": cmd_dups,
        "history": cmd_history,
        "export": cmd_export,
        "verify": cmd_verify,
        "compact": cmd_compact,
    }


def cmd_compact(args: argparse.Namespace) -> int:
    """Holds the archive's lock (exit 75 while a crawl holds it); prints a line per table."""
    from blogarchive.archive.compaction import compact, interruptible
    from blogarchive.archive.lock import ArchiveLock

    root = archive_to_read(args)
    with ArchiveLock(root, "compact") as lock, interruptible():  # SIGTERM too: "interrupted", exit 3
        for table in args.table or ["pages", "fetches", "crawls"]:
            report = compact(root, table, still_ours=lock.check)
            kept = (
                f"; {report.kept:,} full file{'s' if report.kept != 1 else ''} of earlier compactions kept"
                if report.kept
                else ""
            )
            if report.replaced < 2:
                files = f"{report.files_before} file{'s' if report.files_before != 1 else ''}"
                print(f"{table}: {files}, nothing to compact{kept}")
                continue
            print(
                f"{table}: {report.replaced:,} files ({report.bytes_replaced / 1e6:,.1f} MB) -> "
                f"{report.written:,} ({report.bytes_written / 1e6:,.1f} MB), {report.rows:,} rows in {report.seconds:.1f}s{kept}"
            )
    return 0


def cmd_dups(args: argparse.Namespace) -> int:
    """A cluster per paragraph: its original (the earliest page), then each near-duplicate with
    its similarity to the page it was marked with."""
    import json
    import math

    from blogarchive.archive.duplicates import near_duplicate_clusters

    root = archive_to_read(args)
    clusters = near_duplicate_clusters(root)
    if args.json:
        for cluster in clusters:
            record = {
                "url": cluster.url,
                "host": cluster.host,
                "hosts": cluster.hosts,
                "members": [
                    {
                        "url": m.url,
                        "host": m.host,
                        "fetched_at": m.fetched_at.isoformat(),
                        "near_duplicate_of": m.near_duplicate_of,
                        "similarity": m.similarity if m.similarity is None or math.isfinite(m.similarity) else None,
                    }
                    for m in cluster.members
                ],
            }
            print(json.dumps(record, ensure_ascii=False))
        return 0
    pages = sum(len(c.members) for c in clusters)
    print(
        f"{len(clusters):,} cluster{'s' if len(clusters) != 1 else ''} of near-duplicates: "
        f"{pages:,} page{'s' if pages != 1 else ''} nearly repeat an earlier one"
    )
    for cluster in clusters:
        print(f"\n{cluster.url}  ({', '.join(cluster.hosts)})")
        for m in cluster.members:
            via = f"  (of {m.near_duplicate_of})" if m.near_duplicate_of != cluster.url else ""
            score = f"{m.similarity:.2f}" if m.similarity is not None else "   ?"  # a hand-edited file's
            print(f"  {score}  {m.url}{via}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from blogarchive.archive.reader import summarize

    root = archive_to_read(args)
    print(format_summary(str(root) if not root.local else args.archive, summarize(root)))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    import pyarrow.compute as pc

    from blogarchive.archive.reader import page_history, read_fetches

    root = archive_to_read(args)
    versions = page_history(root, args.url, ["fetched_at", "crawl_id", "content_hash", "word_count", "title"])
    fetches = read_fetches(root, ["url", "fetched_at", "outcome"])
    fetches = fetches.filter(pc.equal(fetches["url"], args.url)).sort_by("fetched_at").to_pylist()
    if not versions.num_rows and not fetches:
        raise UsageError(f"{args.url} is not in {args.archive} (see 'blogarchive stats')")
    print(f"{args.url}: {versions.num_rows} version{'s' if versions.num_rows != 1 else ''}")
    for row in versions.to_pylist():
        print(
            f"  {row['fetched_at']:%Y-%m-%d %H:%M:%S}  crawl {row['crawl_id']}  {row['content_hash'][:12]}  "
            f"{row['word_count']:>6} words  {row['title'] or ''}"
        )
    if fetches:
        counts = Counter(row["outcome"] for row in fetches)
        last = fetches[-1]
        print(
            f"fetches: {' · '.join(f'{k} {v}' for k, v in sorted(counts.items()))}"
            f" (last: {last['outcome']} at {last['fetched_at']:%Y-%m-%d %H:%M:%S})"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from blogarchive.archive.export import export

    result = export(archive_to_read(args), args.format, args.out, history=args.history, posts_only=args.posts_only)
    if args.out and args.out != "-":
        files = len(result.files)
        where = (
            args.out if args.format in ("jsonl", "csv") else f"{files} file{'s' if files != 1 else ''} in {args.out}"
        )
        print(f"exported {result.rows} page{'s' if result.rows != 1 else ''} as {args.format} -> {where}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 when every file left in the tables reads whole, 1 when damaged ones remain."""
    from blogarchive.archive.integrity import verify
    from blogarchive.archive.lock import ArchiveLock

    root = archive_to_read(args)
    with ArchiveLock(root, "verify") if args.quarantine else nullcontext():  # no crawl reads what moves
        report = verify(root, quarantine=args.quarantine)
    for index, (path, reason) in enumerate(report.damaged):
        moved = f" -> {report.moved[index]}" if index < len(report.moved) else ""
        print(f"damaged  {path}  ({reason}){moved}")
    files = sum(report.checked.values())
    per_table = ", ".join(f"{table} {count}" for table, count in report.checked.items())
    left = len(report.damaged) - len(report.moved)
    verdict = (
        "all readable"
        if not report.damaged
        else f"{len(report.damaged)} damaged"
        + (
            f", {len(report.moved)} moved to quarantine/"
            if report.moved
            else f": run 'blogarchive verify {args.archive} --quarantine' to set them aside"
        )
    )
    print(f"checked {files} file{'s' if files != 1 else ''} ({per_table}): {verdict}")
    return Exit.FAILED if left else Exit.FINISHED


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
        ("crawls", str(summary.crawl_count)),
    ]
    lines = [f"{name:<10} {value}" for name, value in rows]
    for crawl in summary.recent_crawls:
        took = (crawl["finished_at"] - crawl["started_at"]).total_seconds() if crawl["finished_at"] else None
        skipped = {  # the known pages it did not ask for, as its summary line said
            "skipped as unchanged by date": crawl.get("skipped_dated") or 0,
            "skipped as recent": crawl.get("skipped_recent") or 0,
        }
        tail = " · ".join(f"{what} {n}" for what, n in skipped.items() if n)
        lines.append(
            f"  {crawl['crawl_id']}  {crawl['status']:<11} {crawl['started_at']:%Y-%m-%d %H:%M:%S}"
            f"  {f'{took:.1f}s' if took is not None else '-':>7}  {_counts(dict(crawl['counts'] or []))}"
            + (f" · {tail}" if tail else "")
        )
    if summary.crawl_count > len(summary.recent_crawls):
        lines.insert(len(rows), f"  ({summary.crawl_count - len(summary.recent_crawls)} older crawls not shown)")
    return "\n".join(lines)


def _counts(counter: Any) -> str:
    return " · ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"
