"""Wall time of `blogarchive demo` end to end (process start, serve, crawl, summary),
median of N runs.

    .venv/bin/python benchmarks/demo_crawl.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    command = str(Path(sys.executable).with_name("blogarchive"))
    samples = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run([command, "demo", "--out", f"{tmp}/a"], check=True, capture_output=True)
            samples.append(time.perf_counter() - start)
    print(
        f"blogarchive demo: median {statistics.median(samples):.2f}s over {args.runs} runs "
        f"(min {min(samples):.2f}s, max {max(samples):.2f}s)"
    )


if __name__ == "__main__":
    main()
