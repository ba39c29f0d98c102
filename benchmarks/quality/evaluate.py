"""Extraction quality, per platform: blogarchive's extractor beside plain `trafilatura.extract`.

Two corpora of composed pages, each a folder with expected.json (metadata,
must-contain and must-not-contain phrases) and the article text of each post as
written into its page, for the token scores: the platform fixtures the tests use
(tests/fixtures/pages, bodies in fixture_bodies.json), and pages the rules were not
written against (benchmarks/quality/pages, bodies in its bodies.json).

For each extractor, per platform and overall:
- token precision, recall and F1 of the text against the article (bags of lower-case words);
- phrase recall: the share of must-contain phrases found in the text;
- leaks: the share of must-not-contain phrases (counters, labels, prompts, comments,
  related posts) found in the text;
- metadata accuracy: title, author, published date and language that equal the expected.

    .venv/bin/python benchmarks/quality/evaluate.py [--pages DIR [--pages DIR ...]]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from blogarchive.pipelines.document import NoContent, extract_document  # noqa: E402

FIELDS = ("title", "author", "published", "language")


@dataclass
class Output:
    text: str
    title: str | None
    author: str | None
    published: str | None  # ISO date
    language: str | None


def ours(html: str, url: str) -> Output:
    try:
        doc = extract_document(html, url)
    except NoContent:
        return Output("", None, None, None, None)
    published = doc.published.date().isoformat() if doc.published else None
    return Output(doc.text, doc.title, doc.author, published, doc.language)


def plain_trafilatura(html: str, url: str) -> Output:
    """trafilatura's defaults, as a user would call it."""
    result = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if result is None:
        return Output("", None, None, None, None)
    return Output(result.text or "", result.title, result.author, (result.date or "")[:10] or None, result.language)


EXTRACTORS: dict[str, Callable[[str, str], Output]] = {"blogarchive": ours, "trafilatura": plain_trafilatura}


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def token_scores(got: str, expected: str) -> tuple[float, float, float]:
    got_tokens, expected_tokens = tokens(got), tokens(expected)
    overlap = sum((got_tokens & expected_tokens).values())
    precision = overlap / sum(got_tokens.values()) if got_tokens else 0.0
    recall = overlap / sum(expected_tokens.values()) if expected_tokens else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def squeeze(text: str) -> str:
    return " ".join(text.split()).casefold()


def same(field: str, got: str | None, expected: str | None) -> bool:
    if field == "language":
        return (got or "").split("-")[0].lower() == (expected or "").lower()
    return squeeze(got or "") == squeeze(expected or "")


@dataclass
class Tally:
    pages: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    phrases: int = 0
    phrases_found: int = 0
    leak_phrases: int = 0
    leaks: int = 0
    fields: Counter[str] | None = None
    fields_right: Counter[str] | None = None

    def add(self, output: Output, case: dict, body: str) -> None:
        self.fields = self.fields if self.fields is not None else Counter()
        self.fields_right = self.fields_right if self.fields_right is not None else Counter()
        p, r, f = token_scores(output.text, body)
        self.pages += 1
        self.precision, self.recall, self.f1 = self.precision + p, self.recall + r, self.f1 + f
        text = squeeze(output.text)
        self.phrases += len(case["must_contain"])
        self.phrases_found += sum(squeeze(s) in text for s in case["must_contain"])
        self.leak_phrases += len(case["must_not_contain"])
        self.leaks += sum(squeeze(s) in text for s in case["must_not_contain"])
        for field in FIELDS:
            if field in case:
                self.fields[field] += 1
                self.fields_right[field] += same(field, getattr(output, field), case[field])

    def row(self) -> list[str]:
        n = self.pages or 1
        cells = [
            f"{self.precision / n:.3f}",
            f"{self.recall / n:.3f}",
            f"{self.f1 / n:.3f}",
            f"{self.phrases_found / (self.phrases or 1):.0%}",
            f"{self.leaks / (self.leak_phrases or 1):.1%}",
        ]
        for field in FIELDS:
            total = (self.fields or {}).get(field, 0)
            cells.append(f"{(self.fields_right or {}).get(field, 0) / total:.0%}" if total else "-")
        return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages",
        type=Path,
        action="append",
        help="a folder of pages with expected.json and bodies.json (default: both corpora)",
    )
    args = parser.parse_args()
    corpora = (
        [(folder, folder / "bodies.json") for folder in args.pages]
        if args.pages
        else [
            (ROOT / "tests" / "fixtures" / "pages", HERE / "fixture_bodies.json"),
            (HERE / "pages", HERE / "pages" / "bodies.json"),
        ]
    )
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for folder, bodies_file in corpora:
        expected = json.loads((folder / "expected.json").read_text())
        bodies = json.loads(bodies_file.read_text())
        for name, case in sorted(expected.items()):
            if name not in bodies:
                continue  # listings have no single article to score
            html = (folder / name).read_text(encoding="utf-8")
            url = f"https://blog.example/{name.removesuffix('.html')}/"
            body = "\n".join(bodies[name])
            for extractor, run in EXTRACTORS.items():
                output = run(html, url)
                tallies[(case["platform"] or "none", extractor)].add(output, case, body)
                tallies[("ALL", extractor)].add(output, case, body)
    header = ["platform", "extractor", "pages", "P", "R", "F1", "phrases", "leaks", *FIELDS]
    rows = [
        [platform, extractor, str(t.pages), *t.row()]
        for (platform, extractor), t in sorted(tallies.items(), key=lambda kv: (kv[0][0] == "ALL", kv[0]))
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))))
    ours_f1 = tallies[("ALL", "blogarchive")].f1 / (tallies[("ALL", "blogarchive")].pages or 1)
    theirs_f1 = tallies[("ALL", "trafilatura")].f1 / (tallies[("ALL", "trafilatura")].pages or 1)
    print(f"\ntoken F1: blogarchive {ours_f1:.3f}, trafilatura {theirs_f1:.3f} ({ours_f1 - theirs_f1:+.3f})")


if __name__ == "__main__":
    main()
