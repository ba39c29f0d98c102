"""Extraction quality on real pages: blogarchive beside plain `trafilatura.extract`
(default settings), on the development corpus (WCXB, the Web Content eXtraction
Benchmark, Murrough Foley, 2026, CC-BY-4.0; see ../shared/corpus/README.md).

For each system, over all pages and by page type (article, listing):
- mean word precision, recall and F1 against `main_content` (the benchmark's own metric:
  bags of `\\w+` tokens in lower case; an empty extraction scores 0, or 1 where the truth
  is empty too);
- `with` recall (snippets that must appear) and `without` leak (snippets that must not);
- title, author and date accuracy over the pages whose truth gives one.

Then the regressions: every article page where blogarchive's F1 is more than 0.05 below
trafilatura's, with the extractor path taken and the first missing and first extra
sentence. That list is the work queue of the extraction-quality issue.

blogarchive runs what a crawl's worker runs (`pipelines.worker.extract_page` on the body
decoded by the crawler's own rules); trafilatura gets the page's bytes, as its users give
them. Pages run in a process pool.

    .venv/bin/python benchmarks/quality/corpus.py [--corpus DIR] [--processes N] [--limit N]

`--speed N` instead times blogarchive's extraction alone: CPU seconds of
`extract_page` over the corpus's first N pages in one process, as the median of
`--runs` passes; `--code DIR` runs the extraction of another checkout of the project
(`git worktree add /tmp/old COMMIT`), to compare two commits on the same pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "wcxb-dev"
ATTRIBUTION = "Corpus: WCXB, the Web Content eXtraction Benchmark (Murrough Foley, 2026), development split, CC-BY-4.0"
REGRESSION = 0.05
_TOKEN = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Extraction:
    text: str = ""
    title: str | None = None
    author: str | None = None
    date: str | None = None
    extractor: str | None = None


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    with_recall: float | None
    without_leak: float | None
    fields: dict[str, bool] = field(default_factory=dict)


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


def word_scores(extracted: str, truth: str) -> tuple[float, float, float]:
    """The benchmark's bag-of-words precision, recall and F1."""
    got, want = tokens(extracted), tokens(truth)
    if not got or not want:
        score = 1.0 if not got and not want else 0.0
        return score, score, score
    overlap = sum((got & want).values())
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, (2 * precision * recall / (precision + recall) if overlap else 0.0)


def _normal(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def score(extraction: Extraction, truth: dict) -> Scores:
    precision, recall, f1 = word_scores(extraction.text, truth.get("main_content") or "")
    text = extraction.text.casefold()
    wanted, unwanted = truth.get("with") or [], truth.get("without") or []
    fields = {}
    for name, value, got in (
        ("title", truth.get("title"), extraction.title),
        ("author", truth.get("author"), extraction.author),
        ("date", truth.get("publish_date"), extraction.date),
    ):
        if value and (name != "author" or not isinstance(value, list)):
            fields[name] = _normal(got) == _normal(value)
        elif value:  # several authors: any of them
            fields[name] = _normal(got) in {_normal(v) for v in value}
    return Scores(
        precision,
        recall,
        f1,
        sum(s.casefold() in text for s in wanted) / len(wanted) if wanted else None,
        sum(s.casefold() in text for s in unwanted) / len(unwanted) if unwanted else None,
        fields,
    )


def blogarchive(raw: bytes, url: str) -> Extraction:
    from blogarchive.crawler.encoding import decode_body
    from blogarchive.pipelines.worker import extract_page

    html, _, _ = decode_body(raw, "text/html")
    result = extract_page(html, url, timeout=30)
    if result.outcome != "ok":
        return Extraction(extractor=result.outcome)
    doc = result.value
    return Extraction(
        doc.text, doc.title, doc.author, doc.published.date().isoformat() if doc.published else None, doc.extractor
    )


def trafilatura_default(raw: bytes, url: str) -> Extraction:
    import trafilatura

    text = trafilatura.extract(raw, url=url) or ""
    meta = trafilatura.extract_metadata(raw, default_url=url)
    return Extraction(
        text,
        meta.title if meta else None,
        meta.author if meta else None,
        (meta.date or "")[:10] or None if meta else None,
        "trafilatura",
    )


def run_page(path: str) -> dict:
    """Both systems on one page (in a pool worker)."""
    import logging

    logging.disable(logging.WARNING)  # trafilatura's warnings about short pages
    stem = Path(path).name.split(".")[0]
    truth_file = Path(path).parent.parent / "ground-truth" / f"{stem}.json"
    record = json.loads(truth_file.read_text(encoding="utf-8"))
    truth = record["ground_truth"]
    url = record.get("url") or f"https://example.org/{stem}"
    raw = gzip.decompress(Path(path).read_bytes())
    ours, theirs = blogarchive(raw, url), trafilatura_default(raw, url)
    return {
        "page": stem,
        "url": url,
        "type": record.get("_internal", {}).get("page_type", {}).get("primary", "article"),
        "ours": score(ours, truth),
        "theirs": score(theirs, truth),
        "extractor": ours.extractor,
        "missing": _first_sentence(truth.get("main_content") or "", ours.text),
        "extra": _first_sentence(ours.text, truth.get("main_content") or ""),
        "texts": {"ours": ours.text, "theirs": theirs.text},
        "fields": {
            "ours": [ours.title, ours.author, ours.date],
            "theirs": [theirs.title, theirs.author, theirs.date],
            "truth": [truth.get("title"), truth.get("author"), truth.get("publish_date")],
        },
    }


def _first_sentence(source: str, other: str) -> str:
    """The first sentence of `source` (over four words) whose words `other` lacks."""
    have = tokens(other)
    for sentence in _SENTENCE.split(source):
        words = tokens(sentence)
        if sum(words.values()) > 4 and sum((words - have).values()) > sum(words.values()) / 2:
            return " ".join(sentence.split())[:120]
    return ""


def _mean(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return f"{sum(present) / len(present):.3f}" if present else "-"


def _accuracy(rows: list[Scores], name: str) -> str:
    marks = [s.fields[name] for s in rows if name in s.fields]
    return f"{sum(marks) / len(marks):.0%} of {len(marks)}" if marks else "-"


def table(results: list[dict]) -> str:
    lines = [
        "| pages | system | F1 | precision | recall | `with` recall | `without` leak | empty | title | author | date |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in ("article", "listing", "all"):
        chosen = [r for r in results if kind == "all" or r["type"] == kind]
        if not chosen:
            continue
        for system, key in (("blogarchive", "ours"), ("trafilatura", "theirs")):
            rows = [r[key] for r in chosen]
            empty = sum(1 for s in rows if s.f1 == 0 and s.recall == 0 and s.precision == 0)
            lines.append(
                f"| {kind} ({len(chosen)}) | {system} | {_mean([s.f1 for s in rows])} | {_mean([s.precision for s in rows])} "
                f"| {_mean([s.recall for s in rows])} | {_mean([s.with_recall for s in rows])} "
                f"| {_mean([s.without_leak for s in rows])} | {empty} | {_accuracy(rows, 'title')} "
                f"| {_accuracy(rows, 'author')} | {_accuracy(rows, 'date')} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="a WCXB-style folder (html/, ground-truth/)"
    )
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--pages", nargs="*", default=[], help="only these pages (numbers, e.g. 0042)")
    parser.add_argument(
        "--speed",
        type=int,
        default=0,
        metavar="N",
        help="time blogarchive's extraction alone over the first N pages (one process)",
    )
    parser.add_argument("--runs", type=int, default=3, help="passes for --speed (the median is printed)")
    parser.add_argument("--code", type=Path, help="the project checkout whose extraction --speed runs")
    parser.add_argument(
        "--save",
        type=Path,
        help="write each page's scores, texts and fields here (JSON lines), to compare two runs page by page",
    )
    args = parser.parse_args()
    pages = sorted(str(p) for p in (args.corpus / "html").glob("*.html.gz"))
    if not pages:
        raise SystemExit(f"no pages in {args.corpus / 'html'}")
    if args.speed:
        speed(pages[: args.speed], args.code, args.runs)
        return
    if args.pages:
        pages = [p for p in pages if Path(p).name.split(".")[0] in set(args.pages)]
    if args.limit:
        pages = pages[: args.limit]
    started = time.monotonic()
    with ProcessPoolExecutor(args.processes) as pool:
        results = list(pool.map(run_page, pages, chunksize=4))
    seconds = time.monotonic() - started
    if args.save:
        with args.save.open("w", encoding="utf-8") as out:
            for r in results:
                out.write(json.dumps({**r, "ours": asdict(r["ours"]), "theirs": asdict(r["theirs"])}) + "\n")
    print(ATTRIBUTION)
    print(f"{len(results)} pages in {seconds:.0f} s ({args.processes} processes)\n")
    print(table(results))
    articles = [r for r in results if r["type"] == "article"]
    worse = sorted(
        (r for r in articles if r["ours"].f1 < r["theirs"].f1 - REGRESSION), key=lambda r: r["ours"].f1 - r["theirs"].f1
    )
    print(
        f"\nregressions: {len(worse)} of {len(articles)} article pages ({len(worse) / max(len(articles), 1):.1%}) "
        f"where blogarchive's F1 is more than {REGRESSION} below trafilatura's"
    )
    for r in worse:
        print(f"- {r['page']} {r['url']}: F1 {r['ours'].f1:.3f} vs {r['theirs'].f1:.3f}, extractor {r['extractor']}")
        if r["missing"]:
            print(f"    missing: {r['missing']}")
        if r["extra"]:
            print(f"    extra:   {r['extra']}")


def speed(pages: list[str], code: Path | None, runs: int) -> None:
    """CPU seconds of blogarchive's `extract_page` over `pages`, median of `runs` passes."""
    import logging
    import statistics

    if code is not None:  # that checkout's modules, not this one's
        sys.path.remove(str(ROOT))
        sys.path.insert(0, str(code.resolve()))
    logging.disable(logging.WARNING)
    from blogarchive.crawler.encoding import decode_body
    from blogarchive.pipelines.worker import extract_page

    documents = []
    for path in pages:
        stem = Path(path).name.split(".")[0]
        url = json.loads((Path(path).parent.parent / "ground-truth" / f"{stem}.json").read_text(encoding="utf-8"))[
            "url"
        ]
        documents.append((decode_body(gzip.decompress(Path(path).read_bytes()), "text/html")[0], url))
    extract_page(*documents[0], timeout=30)  # imports and warm-up
    seconds = []
    for _ in range(runs):
        started = time.process_time()
        for html, url in documents:
            extract_page(html, url, timeout=30)
        seconds.append(time.process_time() - started)
    where = code or ROOT
    print(
        f"{len(documents)} pages, {where}: median {statistics.median(seconds):.2f} CPU s "
        f"({', '.join(f'{s:.2f}' for s in seconds)})"
    )


if __name__ == "__main__":
    main()
