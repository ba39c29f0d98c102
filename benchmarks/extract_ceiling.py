"""Extraction alone, pages preloaded in memory: the ceiling for a crawl.

Each page goes through what a crawl's extraction worker runs on it (one parse,
links, document), in 1 process or in a spawned pool.

    .venv/bin/python benchmarks/extract_ceiling.py SITE_DIR --processes 2
"""

from __future__ import annotations

import argparse
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from blogarchive.pipelines.worker import extract_page


def extract(page: tuple[str, str]) -> int:
    result = extract_page(*page)
    return result.value.word_count if result.outcome == "ok" else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    pages = [
        (f.read_text(encoding="utf-8"), f"http://bench/{f.parent.name}/")
        for f in sorted(args.site.glob("post-*/index.html"))
    ]
    start = time.perf_counter()
    if args.processes == 1:
        words = sum(map(extract, pages))
    else:
        with get_context("spawn").Pool(args.processes) as pool:
            words = sum(pool.imap_unordered(extract, pages, chunksize=4))
    print(f"{len(pages)} pages, {words} words in {time.perf_counter() - start:.2f}s")


if __name__ == "__main__":
    main()
