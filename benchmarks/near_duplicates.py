"""Near-duplicate marks: how often they are right, and what they cost at write time.

Quality. The texts are real: the `main_content` of the development corpus's article pages
(WCXB, the Web Content eXtraction Benchmark, Murrough Foley, 2026, CC-BY-4.0; see
../shared/corpus/README.md), some 800 sites. Each text of at least `--min-words` words is
"archived" by an earlier crawl; a later crawl then meets, in a shuffled order, near-copies
of a share of them, made the way reposts differ:

- `footer`: the last line replaced by a syndication footer (about 20 words);
- `reordered`: two paragraphs swapped;
- `title`: the first line (a heading, or the first sentence) replaced by another;
- `edited`: a sentence of about 12 words rewritten in the middle;
- `quoted` (a distinct post, not a copy): a new text of other articles' paragraphs that quotes a
  third of the original, which must not be marked.

Every copy goes through `DedupPipeline` as a crawl's item does, with the archived texts
loaded from arrays as a crawl loads them (`archive_opened`). Per kind: how many copies were
marked with their original (recall), how many marks name another page (wrong), and the
copies' true Jaccard similarity (exact, from the shingle sets) beside the 0.9 threshold,
so a miss is told apart as the estimate's or the definition's. Precision counts every mark
on every page, the quoted posts and the other archived texts included.

Cost. The CPU of a signature (what an extraction worker adds to each page), beside the
page's content hash and beside extraction itself on the same pages; then the crawl
process's part, matching and adding one page, against indexes of 10,000 to 1,000,000
archived signatures (random signatures: the index's cost does not depend on the texts),
with the index's build time and memory.

    .venv/bin/python benchmarks/near_duplicates.py [--corpus DIR] [--share 0.5] [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from blogarchive.archive.state import ArchiveState, ArchiveTexts  # noqa: E402
from blogarchive.pipelines.dedup import DedupPipeline  # noqa: E402
from blogarchive.pipelines.document import Document, NoContent, content_hash, extract_document  # noqa: E402
from blogarchive.pipelines.items import ExtractedPage, FetchedPage  # noqa: E402
from blogarchive.pipelines.neardup import NUM_PERM, NearDuplicateIndex, UrlColumn, shingles, text_signature  # noqa: E402

CORPUS = HERE.parent.parent / "shared" / "corpus" / "wcxb-dev"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
KINDS = ("footer", "reordered", "title", "edited")
FILLER = (
    "this post first appeared on my other blog where you can read more stories like it and subscribe "
    "to the newsletter for weekly updates thanks for reading and sharing with friends"
).split()


def articles(corpus: Path, min_words: int) -> list[tuple[str, str]]:
    found = []
    for path in sorted((corpus / "ground-truth").glob("*.json")):
        truth = json.loads(path.read_text())
        if truth.get("_internal", {}).get("page_type", {}).get("primary") != "article":
            continue
        text = (truth["ground_truth"].get("main_content") or "").strip()
        lines = [line for line in text.splitlines() if line.strip()]
        if len(text.split()) >= min_words and len(lines) >= 3:
            found.append((f"https://archived.example/{path.stem}", "\n".join(lines)))
    return found


def copy_of(text: str, kind: str, rng: random.Random) -> str:
    lines = text.splitlines()
    if kind == "footer":
        return "\n".join([*lines[:-1], " ".join(rng.choice(FILLER) for _ in range(20))])
    if kind == "reordered":
        i = rng.randrange(len(lines) - 1)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
        return "\n".join(lines)
    if kind == "title":
        return "\n".join([" ".join(rng.choice(FILLER) for _ in range(8)), *lines[1:]])
    words = text.split(" ")
    at = rng.randrange(len(words) // 3, 2 * len(words) // 3)
    return " ".join([*words[:at], *(rng.choice(FILLER) for _ in range(12)), *words[at + 12 :]])


def quoting(text: str, others: list[str], rng: random.Random) -> str:
    words = text.split()
    third = " ".join(words[: len(words) // 3])
    own = " ".join(" ".join(rng.choice(others).split()[:80]) for _ in range(3))
    return f"{own}\n{third}\n{' '.join(rng.choice(others).split()[-60:])}"


def jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y) if x | y else 1.0


def item(url: str, text: str) -> ExtractedPage:
    page = FetchedPage(url=url, requested_url=url, status=200, fetched_at=NOW, html="", encoding="utf-8")
    return ExtractedPage(page=page, document=Document(url=url, text=text))


def quality(corpus: Path, share: float, min_words: int) -> None:
    rng = random.Random(21)
    base = articles(corpus, min_words)
    docs = [Document(url=url, text=text) for url, text in base]
    texts = ArchiveTexts(
        pa.table(
            {
                "url": [d.url for d in docs],
                "content_hash": [d.content_hash for d in docs],
                "minhash": pa.array([d.minhash for d in docs], pa.binary()),
            }
        )
    )
    dedup = DedupPipeline()
    dedup.archive_opened(ArchiveState(texts=texts))
    chosen = rng.sample(range(len(base)), int(len(base) * share))
    arrivals = []
    for n, index in enumerate(chosen):
        url, text = base[index]
        kind = KINDS[n % len(KINDS)]
        arrivals.append((f"https://repost.example/{kind}/{n}", copy_of(text, kind, rng), kind, url, text))
        others = [base[j][1] for j in rng.sample(range(len(base)), 3) if j != index]
        arrivals.append((f"https://quote.example/{n}", quoting(text, others, rng), "quoted", None, text))
    rng.shuffle(arrivals)
    rows: dict[str, Counter] = {kind: Counter() for kind in (*KINDS, "quoted")}
    similar: dict[str, list[float]] = {kind: [] for kind in (*KINDS, "quoted")}
    marks = right = right_of_similar = 0
    for url, text, kind, original, source in arrivals:
        result = dedup.process_item(item(url, text))
        counts = rows[kind]
        counts["pages"] += 1
        true_similarity = jaccard(text, source)
        similar[kind].append(true_similarity)
        if not isinstance(result, ExtractedPage):
            counts["not stored"] += 1
            continue
        if result.near_duplicate_of is None:
            continue
        marks += 1
        if result.near_duplicate_of == original:
            counts["marked right"] += 1
            right += 1
            right_of_similar += true_similarity >= 0.9
        else:
            counts["marked wrong"] += 1
    print(
        f"Quality: {len(base)} real article texts of {min_words}+ words archived (WCXB dev, Murrough Foley, "
        f"CC-BY-4.0); {len(chosen)} of them met again as a copy, and as many distinct posts quoting a third of one\n"
    )
    print("| arrival | pages | marked with the original | marked wrong | true Jaccard: median, min | at or above 0.9 |")
    print("|---|---:|---:|---:|---|---:|")
    for kind in (*KINDS, "quoted"):
        counts, values = rows[kind], similar[kind]
        above = sum(v >= 0.9 for v in values)
        print(
            f"| {kind} | {counts['pages']} | {counts['marked right']} | {counts['marked wrong']} | "
            f"{statistics.median(values):.3f}, {min(values):.3f} | {above} |"
        )
    copies = sum(rows[k]["pages"] for k in KINDS)
    should = sum(sum(v >= 0.9 for v in similar[k]) for k in KINDS)
    print(
        f"\nprecision {right}/{marks} = {right / max(marks, 1):.3f}; recall over all copies {right}/{copies} = "
        f"{right / copies:.3f}; over the copies truly 0.9 similar or more {right_of_similar}/{should} = "
        f"{right_of_similar / max(should, 1):.3f}"
    )


def cost(corpus: Path, pages: int, sizes: list[int]) -> None:
    htmls = []
    for path in sorted((corpus / "html").glob("*.html.gz"))[:pages]:
        truth = json.loads((corpus / "ground-truth" / f"{path.name.split('.')[0]}.json").read_text())
        htmls.append(
            (truth.get("url") or "https://example.org/", gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
        )
    texts = []
    extract_ms = []
    for url, html in htmls:
        started = time.process_time()
        try:
            texts.append(extract_document(html, url).text)
        except NoContent:  # a page without text costs its extraction all the same
            pass
        extract_ms.append((time.process_time() - started) * 1000)

    def per_text(function) -> float:
        runs = []
        for _ in range(3):
            started = time.process_time()
            for text in texts:
                function(text)
            runs.append((time.process_time() - started) * 1000 / len(texts))
        return statistics.median(runs)

    signature_ms, hash_ms = per_text(text_signature), per_text(content_hash)
    words = statistics.median(len(t.split()) for t in texts)
    print(f"\nCost in the extraction worker, CPU per page over {len(texts)} corpus pages (median {words:.0f} words):")
    print(
        f"- signature {signature_ms:.3f} ms, content hash {hash_ms:.3f} ms, extraction itself {statistics.median(extract_ms):.1f} ms (median)"
    )

    print("\nCost in the crawl process: one page matched and added, against N archived signatures")
    print("| N | build | index memory | per byte of signature | match + add, median |")
    print("|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(5)
    probes = [s for s in (text_signature(t) for t in texts) if s][:500]
    for size in sizes:
        matrix = rng.integers(0, 2**32, size=(size, NUM_PERM), dtype=np.uint32)
        urls = pa.array([f"https://site-{i % 200}.example/post-{i}" for i in range(size)])
        tracemalloc.start()
        started = time.perf_counter()
        index = NearDuplicateIndex(UrlColumn(urls), matrix)
        build = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        held = matrix.nbytes + sum(o.nbytes + s.nbytes for o, s in zip(index._order, index._sorted))
        timings = []
        for n, probe in enumerate(probes):
            started = time.perf_counter()
            index.match(f"https://new.example/{n}", probe)
            index.add(f"https://new.example/{n}", probe)
            timings.append(time.perf_counter() - started)
        print(
            f"| {size:,} | {build:.2f} s | {held / 1e6:,.0f} MB (build peak {peak / 1e6:,.0f} MB) | "
            f"{held / size / (NUM_PERM * 4):.2f} | {statistics.median(timings) * 1e6:.0f} µs |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--share", type=float, default=0.5, help="share of the archived texts met again as copies")
    parser.add_argument("--min-words", type=int, default=150)
    parser.add_argument("--pages", type=int, default=200, help="corpus pages the cost is measured on")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    if not (args.corpus / "ground-truth").is_dir():
        parser.error(f"no corpus at {args.corpus} (see ../shared/corpus/README.md)")
    quality(args.corpus, args.share, args.min_words)
    cost(args.corpus, args.pages, args.sizes)


if __name__ == "__main__":
    main()
