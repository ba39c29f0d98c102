"""The text's structure (`line_kinds`) on the development corpus: how many lines of each
kind, how many pages have headings, and what finding the kinds costs per page.

    .venv/bin/python benchmarks/quality/structure.py [--corpus DIR] [--show N]

There is no ground truth for structure in the corpus: `--show N` prints the headings,
quotes and code lines found on N pages picked at random (seed 1) for a person to read.
Also printed: heading lines of more than 25 words (a paragraph taken for a heading would
show there) and heading lines that are not a line of the page's ground truth text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from corpus import ATTRIBUTION, DEFAULT_CORPUS  # noqa: E402

from blogarchive.pipelines.document import NoContent, extract_document, parse_html  # noqa: E402
from blogarchive.pipelines.structure import line_kinds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    kinds: Counter[str] = Counter()
    pages_with: Counter[str] = Counter()
    long_headings, off_truth, headings_total, pages = 0, 0, 0, 0
    costs = []
    shown = []
    for path in sorted((args.corpus / "html").glob("*.html.gz")):
        truth_path = args.corpus / "ground-truth" / path.name.replace(".html.gz", ".json")
        record = json.loads(truth_path.read_text(encoding="utf-8"))
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        try:
            document = extract_document(html, record.get("url") or f"https://example.org/{path.name}")
        except NoContent:
            continue
        pages += 1
        tree = parse_html(html)
        started = time.thread_time()
        again = line_kinds(tree, document.text)
        costs.append(time.thread_time() - started)
        assert len(again) == len(document.line_kinds) == document.text.count("\n") + 1
        truth_lines = {
            " ".join(line.split()) for line in (record["ground_truth"].get("main_content") or "").split("\n")
        }
        kinds.update(document.line_kinds)
        pages_with.update({kind[0] if kind.startswith("h") else kind for kind in document.line_kinds})
        for line, kind in zip(document.text.split("\n"), document.line_kinds):
            if kind.startswith("h"):
                headings_total += 1
                long_headings += len(line.split()) > 25
                off_truth += " ".join(line.split()) not in truth_lines
        shown.append((path.name, document))
    lines = sum(kinds.values())
    print(ATTRIBUTION)
    print(f"{pages} pages with text, {lines:,} lines\n")
    print("| kind | lines | share | pages with it (any heading, for h1 to h6) |")
    print("|---|---:|---:|---:|")
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {count:,} | {count / lines:.1%} | {pages_with[kind[0] if kind[0] == 'h' else kind]} |")
    print(
        f"\nheading lines: {headings_total:,}; of more than 25 words: {long_headings}; "
        f"not a line of the ground truth: {off_truth} ({off_truth / max(1, headings_total):.1%})"
    )
    print(
        f"line_kinds on a parsed page: median {statistics.median(costs) * 1000:.2f} ms, "
        f"mean {statistics.fmean(costs) * 1000:.2f} ms, max {max(costs) * 1000:.1f} ms (thread CPU)"
    )
    for name, document in random.Random(1).sample(shown, min(args.show, len(shown))):
        print(f"\n## {name} {document.url}")
        for line, kind in zip(document.text.split("\n"), document.line_kinds):
            if kind != "p":
                print(f"  {kind:6} {line[:100]}")


if __name__ == "__main__":
    main()
