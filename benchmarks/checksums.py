"""What page checksums cost: a pages file of N generated posts written with and without
CRC-32 page checksums (the archive's writer writes them), then read whole with and without
verifying them (the archive's readers verify). Alternating runs; medians and ratios.

    .venv/bin/python benchmarks/checksums.py [--posts 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from blogarchive.archive.schema import SCHEMAS

WORDS = (
    "harbour ferry lantern estuary winter light gull net quay tide market rope sail "
    "morning river bridge stone garden letter window kitchen bread coffee"
).split()


def posts(count: int, seed: int = 1) -> pa.Table:
    """`count` rows of the pages table with ~60 KB of HTML and ~6 KB of text each."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(1000))
        html = f"<html><body><article><p>{text}</p></article>{'<div class=widget>x</div>' * 2000}</body></html>"
        rows.append(
            {
                "url": f"https://blog.example/{n}",
                "host": "blog.example",
                "crawl_id": "bench",
                "fetched_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
                "text": text,
                "html": html,
                "word_count": 1000,
                "content_hash": f"{n:064x}",
                "page_type": "post",
                "status": 200,
                "categories": [],
                "tags": [],
                "comments": [],
                "links": [],
            }
        )
    return pa.Table.from_pylist(rows, schema=SCHEMAS["pages"])


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    table = posts(args.posts)
    times: dict[str, list[float]] = {k: [] for k in ("write", "write+crc", "read", "read+verify")}
    with tempfile.TemporaryDirectory() as folder:
        plain, checked = Path(folder, "plain.parquet"), Path(folder, "checked.parquet")
        for _ in range(args.runs):  # A B A B
            times["write"].append(timed(lambda: pq.write_table(table, plain, compression="zstd", row_group_size=250)))
            times["write+crc"].append(
                timed(
                    lambda: pq.write_table(
                        table, checked, compression="zstd", row_group_size=250, write_page_checksum=True
                    )
                )
            )
            times["read"].append(timed(lambda: pq.ParquetFile(plain).read()))
            times["read+verify"].append(timed(lambda: pq.ParquetFile(checked, page_checksum_verification=True).read()))
        sizes = plain.stat().st_size, checked.stat().st_size
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.posts} posts, {table.nbytes / 2**20:.0f} MB in memory, {args.runs} alternating runs, medians:")
    print(
        f"  write   {median['write']:.3f} s   with checksums {median['write+crc']:.3f} s   x{median['write+crc'] / median['write']:.2f}"
    )
    print(
        f"  read    {median['read']:.3f} s   verified      {median['read+verify']:.3f} s   x{median['read+verify'] / median['read']:.2f}"
    )
    print(
        f"  file    {sizes[0] / 2**20:.2f} MB   with checksums {sizes[1] / 2**20:.2f} MB   +{sizes[1] - sizes[0]:,} bytes"
    )


if __name__ == "__main__":
    main()
