"""`blogarchive report`: one self-contained HTML file that shows what an archive holds.

Charts are drawn by matplotlib as inline SVG (text kept as text), so the file opens
offline, with no script and no CDN. Each chart comes with its figures as a table, which
is what the tests check and what a screen reader reads.

The figures are computed by pure functions over pyarrow tables (`posts_per_month`,
`outcomes_per_crawl`, ...), so they are tested without drawing.
"""

from __future__ import annotations

import html
import io
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from blogarchive.archive.location import Root, locate
from blogarchive.archive.outcomes import UNCHANGED
from blogarchive.archive.reader import latest_per_key, read_crawls, read_fetches, read_pages, summarize

__all__ = [
    "Chart",
    "build_report",
    "outcomes_per_crawl",
    "pages_changed_per_crawl",
    "platforms",
    "posts_per_month",
    "top_tags",
    "words_per_post",
]

#: sites drawn on their own in "posts per month"; the rest are summed as "other sites"
TOP_SITES = 8
TOP_TAGS = 20
#: the word-count bins of "words per post"
WORD_BINS = [0, 100, 250, 500, 750, 1000, 1500, 2000, 3000, 5000]


@dataclass
class Chart:
    """One chart: its title, its figures (rows of a table), and how to draw them."""

    key: str
    title: str
    note: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


# --- figures (pure) -------------------------------------------------------------------


def posts_per_month(latest: pa.Table) -> Chart:
    """Posts by the month of their publication, per site (the busiest sites on their own)."""
    posts = latest.filter(pc.and_(pc.equal(latest["page_type"], "post"), pc.is_valid(latest["published"])))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for host, published in zip(posts["host"].to_pylist(), posts["published"].to_pylist()):
        counts[host][f"{published:%Y-%m}"] += 1
    ranked = sorted(counts, key=lambda h: (-sum(counts[h].values()), h))
    shown, rest = ranked[:TOP_SITES], ranked[TOP_SITES:]
    months = sorted({month for c in counts.values() for month in c})
    columns = ["month", *shown] + (["other sites"] if rest else [])
    rows = []
    for month in months:
        row: list[Any] = [month, *(counts[h][month] for h in shown)]
        if rest:
            row.append(sum(counts[h][month] for h in rest))
        rows.append(row)
    return Chart(
        "posts-per-month", "Posts per month", "dated posts, latest version of each, by publication month", columns, rows
    )


def words_per_post(latest: pa.Table) -> Chart:
    posts = latest.filter(pc.equal(latest["page_type"], "post"))
    bins: Counter[int] = Counter()
    for words in posts["word_count"].to_pylist():
        bins[_bin(words)] += 1
    labels = [_bin_label(i) for i in range(len(WORD_BINS))]
    return Chart(
        "words-per-post",
        "Words per post",
        "latest version of each post",
        ["words", "posts"],
        [[labels[i], bins[i]] for i in range(len(WORD_BINS))],
    )


def platforms(latest: pa.Table) -> Chart:
    counts = Counter(p or "unknown" for p in latest["platform"].to_pylist())
    return Chart(
        "platforms",
        "Platforms",
        "pages (latest versions) per detected platform",
        ["platform", "pages"],
        [[k, v] for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
    )


def top_tags(latest: pa.Table) -> Chart:
    counts: Counter[str] = Counter()
    for tags in latest["tags"].to_pylist():
        counts.update({t.strip().lower() for t in tags or [] if t.strip()})  # a page counts once per tag
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TAGS]
    return Chart(
        "top-tags",
        "Top tags",
        f"the {TOP_TAGS} most used tags (case folded), pages per tag",
        ["tag", "pages"],
        [[k, v] for k, v in ranked],
    )


def outcomes_per_crawl(fetches: pa.Table, crawls: pa.Table) -> Chart:
    """Fetch outcomes of each crawl, oldest crawl first."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for crawl_id, outcome in zip(fetches["crawl_id"].to_pylist(), fetches["outcome"].to_pylist()):
        counts[crawl_id][outcome] += 1
    order = _crawl_order(crawls, counts)
    outcomes = sorted({o for c in counts.values() for o in c}, key=lambda o: (-sum(c[o] for c in counts.values()), o))
    return Chart(
        "outcomes-per-crawl",
        "Fetch outcomes per crawl",
        "one row per crawl; every URL a crawl tried",
        ["crawl", *outcomes],
        [[cid, *(counts[cid][o] for o in outcomes)] for cid in order],
    )


def pages_changed_per_crawl(fetches: pa.Table, crawls: pa.Table) -> Chart:
    """Per crawl: pages stored as new versions, and pages found unchanged."""
    pages = fetches.filter(pc.equal(fetches["kind"], "page"))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for crawl_id, outcome in zip(pages["crawl_id"].to_pylist(), pages["outcome"].to_pylist()):
        if outcome == "stored":
            counts[crawl_id]["stored"] += 1
        elif outcome in UNCHANGED:
            counts[crawl_id]["unchanged"] += 1
    order = _crawl_order(crawls, counts)
    return Chart(
        "pages-changed",
        "Pages changed per crawl",
        "stored: a new page or a new version; unchanged: fetched (or 304) and found the same",
        ["crawl", "stored", "unchanged"],
        [[cid, counts[cid]["stored"], counts[cid]["unchanged"]] for cid in order],
    )


def _crawl_order(crawls: pa.Table, counts: dict[str, Any]) -> list[str]:
    started = dict(zip(crawls["crawl_id"].to_pylist(), crawls["started_at"].to_pylist()))
    far = datetime.max.replace(tzinfo=timezone.utc)
    return sorted(counts, key=lambda cid: (started.get(cid) or far, cid))


def _bin(words: int) -> int:
    for index in range(len(WORD_BINS) - 1, -1, -1):
        if words >= WORD_BINS[index]:
            return index
    return 0


def _bin_label(index: int) -> str:
    if index == len(WORD_BINS) - 1:
        return f"{WORD_BINS[index]}+"
    return f"{WORD_BINS[index]}–{WORD_BINS[index + 1] - 1}"


# --- drawing ------------------------------------------------------------------------

_COLOURS = ["#2f6690", "#d1495b", "#edae49", "#66a182", "#8d6a9f", "#00798c", "#e07a5f", "#3d405b", "#9c9c9c"]


def _svg(chart: Chart) -> str:
    """The chart as an inline <svg> element (empty charts say so instead)."""
    if not chart.rows:
        return '<p class="empty">Nothing to show.</p>'
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": chart.key,
            "font.size": 9,
            "text.parse_math": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    labels = [str(row[0]) for row in chart.rows]
    series = chart.columns[1:]
    horizontal = chart.key in ("platforms", "top-tags")
    height = max(2.6, 0.25 * len(labels) + 0.8) if horizontal else 3.0
    figure, axes = plt.subplots(figsize=(8.5, height))
    try:
        if horizontal:
            axes.barh(labels[::-1], [row[1] for row in chart.rows][::-1], color=_COLOURS[0])
        else:
            bottom = [0] * len(labels)
            for index, name in enumerate(series):
                values = [row[index + 1] for row in chart.rows]
                axes.bar(labels, values, bottom=bottom, label=name, color=_COLOURS[index % len(_COLOURS)])
                bottom = [b + v for b, v in zip(bottom, values)]
            if len(series) > 1:
                axes.legend(frameon=False, fontsize=8, ncols=min(4, len(series)))
            if len(labels) > 12:
                step = max(1, len(labels) // 12)
                axes.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
            axes.tick_params(axis="x", labelrotation=30 if len(labels) > 4 else 0)
        from matplotlib.ticker import MaxNLocator

        (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _table(chart: Chart) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in chart.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in chart.rows)
    return f'<details><summary>Figures</summary><table data-chart="{chart.key}"><tr>{head}</tr>{body}</table></details>'


# --- the report ---------------------------------------------------------------------


def build_report(root: Root) -> tuple[str, float]:
    """The report of the archive at `root` as one HTML string, and the seconds it took."""
    started = time.perf_counter()
    root = locate(root)
    pages = read_pages(root, ["url", "fetched_at", "host", "page_type", "published", "word_count", "platform", "tags"])
    latest = latest_per_key(pages, "url", "fetched_at")
    fetches = read_fetches(root, ["crawl_id", "kind", "outcome"])
    crawls = read_crawls(root)
    summary = summarize(root)
    charts = [
        posts_per_month(latest),
        words_per_post(latest),
        platforms(latest),
        top_tags(latest),
        outcomes_per_crawl(fetches, crawls),
        pages_changed_per_crawl(fetches, crawls),
    ]
    sections = "\n".join(
        f'<section id="{c.key}"><h2>{html.escape(c.title)}</h2><p class="note">{html.escape(c.note)}</p>'
        f"{_svg(c)}{_table(c)}</section>"
        for c in charts
    )
    span = (
        f"{summary.first_published:%Y-%m-%d} to {summary.last_published:%Y-%m-%d}"
        if summary.first_published
        else "none dated"
    )
    facts = [
        ("Pages", f"{summary.pages:,} ({summary.posts:,} posts)"),
        ("Versions", f"{summary.versions:,}"),
        ("Sites", f"{len(summary.sites):,}"),
        ("Published", span),
        ("Words", f"{summary.words:,}"),
        ("Crawls", f"{len(summary.crawls):,}"),
    ]
    facts_html = "".join(f"<dt>{k}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    document = _PAGE.format(archive=html.escape(str(root)), generated=generated, facts=facts_html, sections=sections)
    return document, time.perf_counter() - started


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>blogarchive report: {archive}</title>
<style>
  body {{ font: 15px/1.5 system-ui, sans-serif; color: #1d232a; background: #fbfbf9; margin: 0; }}
  main {{ max-width: 60rem; margin: 0 auto; padding: 1.5rem; }}
  h1 {{ margin-bottom: .2rem; }}
  .muted, .note {{ color: #6b7580; font-size: .9rem; margin-top: 0; }}
  dl {{ display: grid; grid-template-columns: 8rem 1fr; gap: .2rem 1rem; }}
  dt {{ color: #6b7580; }}
  section {{ margin: 2rem 0; }}
  svg {{ max-width: 100%; height: auto; }}
  table {{ border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }}
  td, th {{ border-bottom: 1px solid #e2e2dc; padding: .15rem .6rem; text-align: left; }}
  summary {{ cursor: pointer; color: #2f6690; font-size: .9rem; }}
</style>
</head>
<body>
<main>
<h1>What the archive holds</h1>
<p class="muted">{archive} · generated {generated} by blogarchive</p>
<dl id="facts">{facts}</dl>
{sections}
</main>
</body>
</html>
"""
