"""Median milliseconds per page of `extract_document` against plain `trafilatura.extract`,
on the demo blog's pages and the extraction fixtures, in one run on one core.

    .venv/bin/python benchmarks/extract_speed.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from blogarchive.pipelines.document import extract_document  # noqa: E402


def pages() -> list[tuple[str, str]]:
    files = sorted((ROOT / "crawler" / "demo" / "site").rglob("*.html")) + sorted(
        (ROOT / "tests" / "fixtures" / "pages").glob("*.html")
    )
    return [(f.relative_to(ROOT).as_posix(), f.read_text(encoding="utf-8")) for f in files]


def median_ms(function, html: str, url: str, repeat: int) -> float:
    function(html, url)  # warm caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(html, url)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def ours(html: str, url: str) -> None:
    try:
        extract_document(html, url)
    except Exception:
        pass


def plain(html: str, url: str) -> None:
    trafilatura.extract(html, url=url, with_metadata=True, deduplicate=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rows = []
    for name, html in pages():
        url = "https://blog.example/" + name
        rows.append(
            (name, len(html) // 1024, median_ms(ours, html, url, args.repeat), median_ms(plain, html, url, args.repeat))
        )
    print(f"{'page':<75} {'KB':>4} {'ours ms':>8} {'trafilatura ms':>15}")
    for name, kb, a, b in rows:
        print(f"{name:<75} {kb:>4} {a:>8.1f} {b:>15.1f}")
    total_ours = statistics.median(r[2] for r in rows)
    total_plain = statistics.median(r[3] for r in rows)
    print(
        f"median over {len(rows)} pages: ours {total_ours:.1f} ms, trafilatura.extract {total_plain:.1f} ms, ratio {total_ours / total_plain:.2f}"
    )


if __name__ == "__main__":
    main()
