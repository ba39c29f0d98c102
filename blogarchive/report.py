"""`blogarchive report`: one self-contained HTML file that shows what an archive holds.

Charts are drawn by matplotlib as inline SVG (text kept as text), so the file opens
offline, with no script and no CDN. Each chart comes with its figures as a table, which
is what the tests check and what a screen reader reads.

The figures are computed by pure functions over pyarrow tables (`posts_per_site`,
`posts_per_month`, `changes_per_crawl`, ...), so they are tested without drawing; the
drawing functions only read a chart's rows.
"""

from __future__ import annotations

import html
import io
import math
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from blogarchive.archive.location import Root, locate
from blogarchive.archive.outcomes import UNCHANGED
from blogarchive.archive.reader import latest_per_key, read_crawls, read_fetches, read_pages, summary_of

__all__ = [
    "Chart",
    "build_report",
    "changes_per_crawl",
    "crawl_labels",
    "draw",
    "extraction_coverage",
    "outcomes_per_crawl",
    "platforms",
    "posts_per_month",
    "posts_per_site",
    "top_tags",
    "words_per_site",
]

#: colour-blind safe (Okabe and Ito's palette), in the order series get them; the grey
#: is for the remainder ("other sites")
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
OTHER_COLOUR = "#999999"
#: series a chart draws on their own; past that, the largest ones and "other"
SERIES = len(PALETTE)
TOP_TAGS = 20
#: a post's first tags that count: SEO plugins list dozens of keywords on one page
TAGS_PER_POST = 10
#: sites drawn in the per-site charts (the tables hold every site)
SITES_DRAWN = 25
#: crawls drawn in "fetch outcomes per crawl" (the newest; the table holds every crawl)
CRAWLS_DRAWN = 30
#: the fields "extraction coverage" counts, as (column, heading)
COVERAGE = [("title", "title"), ("author", "author"), ("published", "date"), ("language", "language"), ("tags", "tags")]
ALL_SITES = "all sites"


@dataclass
class Chart:
    """One chart: its title, its figures (rows of a table), and how it is shown.

    `table_only`: the figures are clearer as a table (a per-crawl chart of one crawl)."""

    key: str
    title: str
    note: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    table_only: bool = False


# --- figures (pure) -------------------------------------------------------------------


def _posts(latest: pa.Table) -> pa.Table:
    return latest.filter(pc.equal(latest["page_type"], "post"))


def _ranked_sites(posts: pa.Table) -> list[tuple[str, int]]:
    """(site, posts) of every site with a post, the most posts first."""
    counts = Counter(posts["host"].to_pylist())
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def posts_per_site(latest: pa.Table) -> Chart:
    """Posts of each site with the first and last publication days (of its dated posts)."""
    posts = _posts(latest)
    spans: dict[str, list[datetime]] = {}
    for host, published in zip(posts["host"].to_pylist(), posts["published"].to_pylist()):
        if published is not None:
            span = spans.setdefault(host, [published, published])
            span[0], span[1] = min(span[0], published), max(span[1], published)
    rows = []
    for host, count in _ranked_sites(posts):
        first, last = spans.get(host, (None, None))
        rows.append([host, count, first and first.date(), last and last.date()])
    return Chart(
        "posts-per-site",
        "Posts per site",
        f"latest version of each post; the line runs from a site's first dated post to its last "
        f"(the {SITES_DRAWN} sites with most posts are drawn)",
        ["site", "posts", "first post", "last post"],
        rows,
    )


def posts_per_month(latest: pa.Table) -> Chart:
    """Dated posts by month of publication, per site: every site when there are few, else
    the busiest and "other sites". Rows are the months that have posts; the chart's axis
    is time, so months without posts show as gaps."""
    posts = _posts(latest)
    posts = posts.filter(pc.is_valid(posts["published"]))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for host, published in zip(posts["host"].to_pylist(), posts["published"].to_pylist()):
        counts[host][f"{published.year:04d}-{published.month:02d}"] += 1
    ranked = sorted(counts, key=lambda h: (-sum(counts[h].values()), h))
    shown, rest = (ranked, []) if len(ranked) <= SERIES else (ranked[: SERIES - 1], ranked[SERIES - 1 :])
    months = sorted({month for c in counts.values() for month in c})
    columns = ["month", *shown] + (["other sites"] if rest else [])
    rows = []
    for month in months:
        row: list[Any] = [month, *(counts[h][month] for h in shown)]
        if rest:
            row.append(sum(counts[h][month] for h in rest))
        rows.append(row)
    note = "dated posts, latest version of each, by month of publication"
    if rest:
        note += f"; the {len(shown)} sites with most dated posts, and {len(rest)} other sites together"
    return Chart("posts-per-month", "Posts per month", note, columns, rows)


def words_per_site(latest: pa.Table) -> Chart:
    """Words per post of all sites and of each site: the five figures of a box plot
    (quartiles interpolated linearly, as DuckDB's `quantile_cont` and numpy do)."""
    posts = _posts(latest)
    by_site: dict[str, list[int]] = defaultdict(list)
    for host, words in zip(posts["host"].to_pylist(), posts["word_count"].to_pylist()):
        by_site[host].append(words)
    everything = sorted(posts["word_count"].to_pylist())
    rows = [[ALL_SITES, *_five(everything)]] if everything else []
    for host, _ in _ranked_sites(posts):
        rows.append([host, *_five(sorted(by_site[host]))])
    return Chart(
        "words-per-site",
        "Words per post, by site",
        "latest version of each post; the box holds the middle half of the posts, the mark is the median, "
        f"the line runs from the shortest post to the longest (the {SITES_DRAWN} sites with most posts are drawn)",
        ["site", "posts", "shortest", "lower quartile", "median", "upper quartile", "longest"],
        rows,
    )


def _five(values: Sequence[int]) -> list[Any]:
    """count, min, quartiles and max of sorted values."""
    return [len(values), values[0], *(_quantile(values, q) for q in (0.25, 0.5, 0.75)), values[-1]]


def _quantile(values: Sequence[int], q: float) -> float:
    position = (len(values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def extraction_coverage(latest: pa.Table) -> Chart:
    """Posts in which extraction found each field, over all sites and per site."""
    posts = _posts(latest)
    found = {
        name: (pc.greater(pc.list_value_length(posts[name]), 0) if name == "tags" else pc.is_valid(posts[name]))
        for name, _ in COVERAGE
    }
    hosts = posts["host"].to_pylist()
    per_site: dict[str, Counter[str]] = defaultdict(Counter)
    for name, mask in found.items():
        for host, present in zip(hosts, mask.to_pylist()):
            per_site[host][name] += bool(present)
    rows = []
    if posts.num_rows:
        rows.append([ALL_SITES, posts.num_rows, *(sum(c[name] for c in per_site.values()) for name, _ in COVERAGE)])
    for host, count in _ranked_sites(posts):
        rows.append([host, count, *(per_site[host][name] for name, _ in COVERAGE)])
    return Chart(
        "extraction-coverage",
        "Extraction coverage",
        "posts (latest versions) in which each field was found; the chart shows the share over all sites",
        ["site", "posts", *(heading for _, heading in COVERAGE)],
        rows,
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
    """Posts per tag (case folded), for tags of two posts or more; a post's first
    TAGS_PER_POST distinct tags count, so one page's keyword list cannot fill the chart."""
    counts: Counter[str] = Counter()
    for tags in _posts(latest)["tags"].to_pylist():
        own = dict.fromkeys(t.strip().casefold() for t in tags or [] if t and t.strip())
        counts.update(list(own)[:TAGS_PER_POST])
    ranked = sorted(((k, v) for k, v in counts.items() if v >= 2), key=lambda kv: (-kv[1], kv[0]))[:TOP_TAGS]
    return Chart(
        "top-tags",
        "Top tags",
        f"posts per tag (case folded): the {TOP_TAGS} most used tags of at least two posts; "
        f"a post's first {TAGS_PER_POST} tags count",
        ["tag", "posts"],
        [[k, v] for k, v in ranked],
    )


def crawl_labels(crawls: pa.Table) -> dict[str, tuple[datetime | None, str]]:
    """(start time, sites) of each crawl: the sites are the hosts of its seeds."""
    labels = {}
    for row in crawls.select(["crawl_id", "started_at", "seeds"]).to_pylist():
        hosts = list(dict.fromkeys(_host(seed) for seed in row["seeds"] or [] if seed))
        sites = ", ".join(hosts[:2]) + (f" +{len(hosts) - 2}" if len(hosts) > 2 else "")
        labels[row["crawl_id"]] = (row["started_at"], sites)
    return labels


def _host(url: str) -> str:
    """The host of a seed URL, or the seed as written when it has none or cannot be read."""
    try:
        return urlsplit(url).hostname or url
    except ValueError:  # `http://[::1`: a hand-written or damaged row
        return url


def _crawl_rows(crawl_ids: Sequence[str], crawls: pa.Table) -> list[list[Any]]:
    """[started, sites, crawl id] of each crawl, oldest first (crawls the `crawls` table
    does not know, damaged or removed, last)."""
    labels = crawl_labels(crawls)
    far = datetime.max.replace(tzinfo=timezone.utc)
    ordered = sorted(set(crawl_ids), key=lambda cid: (labels.get(cid, (None, ""))[0] or far, cid))
    return [[*labels.get(cid, (None, "")), cid] for cid in ordered]


def outcomes_per_crawl(fetches: pa.Table, crawls: pa.Table) -> Chart:
    """Fetch outcomes of each crawl, oldest crawl first."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for crawl_id, outcome in zip(fetches["crawl_id"].to_pylist(), fetches["outcome"].to_pylist()):
        counts[crawl_id][outcome] += 1
    outcomes = sorted({o for c in counts.values() for o in c}, key=lambda o: (-sum(c[o] for c in counts.values()), o))
    rows = [[*head, *(counts[head[2]][o] for o in outcomes)] for head in _crawl_rows(list(counts), crawls)]
    return Chart(
        "outcomes-per-crawl",
        "Fetch outcomes per crawl",
        f"every URL a crawl tried, by what happened (the {CRAWLS_DRAWN} newest crawls are drawn)",
        ["started (UTC)", "sites", "crawl", *outcomes],
        rows,
        table_only=len(rows) == 1,
    )


def changes_per_crawl(pages: pa.Table, fetches: pa.Table, crawls: pa.Table) -> Chart:
    """What each crawl found: pages archived for the first time, new versions of pages
    archived before, pages fetched and found unchanged, and known pages not requested
    (a sitemap or feed date, or `--revisit-after`, said they had not changed).

    `pages` holds every version (url, fetched_at, crawl_id)."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    if pages.num_rows:
        ordered = pages.select(["url", "fetched_at", "crawl_id"]).sort_by(
            [("url", "ascending"), ("fetched_at", "ascending")]
        )
        urls = ordered["url"].combine_chunks()
        first = pa.concat_arrays([pa.array([True]), pc.not_equal(urls.slice(1), urls.slice(0, len(urls) - 1))])
        for crawl_id, new in zip(ordered["crawl_id"].to_pylist(), first.to_pylist()):
            found[crawl_id]["new pages" if new else "new versions"] += 1
    page_fetches = fetches.filter(pc.equal(fetches["kind"], "page"))
    for crawl_id, outcome in zip(page_fetches["crawl_id"].to_pylist(), page_fetches["outcome"].to_pylist()):
        if outcome in UNCHANGED:
            found[crawl_id]["unchanged"] += 1
    for row in crawls.select(["crawl_id", "skipped_dated", "skipped_recent"]).to_pylist():
        skipped = (row["skipped_dated"] or 0) + (row["skipped_recent"] or 0)
        if skipped:
            found[row["crawl_id"]]["not requested"] += skipped
    series = ["new pages", "new versions", "unchanged", "not requested"]
    rows = [[*head, *(found[head[2]][s] for s in series)] for head in _crawl_rows(list(found), crawls)]
    return Chart(
        "changes-per-crawl",
        "Changes per crawl",
        "new pages: archived for the first time; new versions: a page archived before whose text changed; "
        "unchanged: fetched (or 304) and found the same; not requested: known pages a sitemap or feed date, "
        "or --revisit-after, left alone. The chart draws the first two over the crawls' start times",
        ["started (UTC)", "sites", "crawl", *series],
        rows,
        table_only=len(rows) == 1,
    )


def _minute(value: datetime) -> str:
    """YYYY-MM-DD HH:MM, the year in four digits (strftime writes year 1 as "1")."""
    return f"{value.date().isoformat()} {value:%H:%M}"


# --- drawing --------------------------------------------------------------------------


def _colours(names: Sequence[str]) -> list[str]:
    return [OTHER_COLOUR if name.startswith("other") else PALETTE[i % len(PALETTE)] for i, name in enumerate(names)]


def _legend(axes: Any) -> None:
    """The legend beside the plot, never over it."""
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)


def _short(label: str, most: int = 40) -> str:
    """A label cut to `most` characters: one long host name must not shrink a whole
    chart (the table under it has every name whole)."""
    return label if len(label) <= most else label[: most - 1] + "…"


def _crawl_label(row: Sequence[Any]) -> str:
    started, sites, crawl_id = row[0], row[1], row[2]
    when = _minute(started) if started is not None else crawl_id
    return f"{when} · {sites}" if sites else when


def _month(label: str) -> datetime:
    return datetime(int(label[:-3]), int(label[-2:]), 15)


def _time_axis(axes: Any, months: int = 0) -> None:
    """Dates on the x axis; `months`: the axis spans that many months of monthly data,
    ticked on months or years, never on days."""
    import matplotlib.dates as mdates

    if not months:
        locator: Any = mdates.AutoDateLocator(maxticks=10)
    elif months <= 120:
        locator = mdates.MonthLocator(interval=math.ceil(months / 10))
    else:
        locator = mdates.YearLocator(base=math.ceil(months / 120))
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _draw_months(chart: Chart, axes: Any) -> None:
    months = [_month(row[0]) for row in chart.rows]
    # a month's width, or a 300th of the axis when it spans decades (a bar stays visible)
    width = max(24.0, (max(months) - min(months)).days / 300)
    bottom = [0] * len(months)
    series = chart.columns[1:]
    for index, (name, colour) in enumerate(zip(series, _colours(series))):
        values = [row[index + 1] for row in chart.rows]
        axes.bar(months, values, width=width, bottom=bottom, label=_short(name), color=colour)
        bottom = [b + v for b, v in zip(bottom, values)]
    start, end = min(months), max(months)
    _time_axis(axes, (end.year - start.year) * 12 + end.month - start.month + 3)
    axes.set_xlim(_month_before(start), _month_after(end))
    axes.set_ylabel("posts")
    if len(series) > 1:
        _legend(axes)


def _month_before(day: datetime) -> datetime:
    """A month before `day`'s month, where the calendar has one (a post dated year 1 has not)."""
    first = day.replace(day=1)
    return first - _MONTH if first - datetime.min > _MONTH else first


def _month_after(day: datetime) -> datetime:
    last = day.replace(day=28)
    return last + _MONTH if datetime.max - last > _MONTH else last


def _draw_site_spans(chart: Chart, axes: Any) -> None:
    rows = _dated_sites(chart)[:SITES_DRAWN][::-1]
    for y, row in enumerate(rows):
        first, last = row[2], row[3]
        axes.plot([first, last], [y, y], color=PALETTE[0], linewidth=5, solid_capstyle="round")
    axes.set_yticks(range(len(rows)), [f"{_short(row[0])} ({row[1]})" for row in rows])
    axes.set_ylim(-0.7, len(rows) - 0.3)
    start, end = (
        datetime.combine(day, datetime.min.time()) for day in (min(r[2] for r in rows), max(r[3] for r in rows))
    )
    # limits of our own: matplotlib's margins would pass year 1 or 9999, where its dates end
    axes.set_xlim(_month_before(start), _month_after(end))
    _time_axis(axes)


def _draw_boxes(chart: Chart, axes: Any) -> None:
    rows = chart.rows[: SITES_DRAWN + 1][::-1]
    ys = range(len(rows))
    lows, q1s, medians, q3s, highs = ([row[i] for row in rows] for i in range(2, 7))
    axes.hlines(ys, lows, highs, color="#555555", linewidth=1)
    axes.barh(ys, [q3 - q1 for q1, q3 in zip(q1s, q3s)], left=q1s, height=0.6, color=PALETTE[4], edgecolor="#333333")
    axes.vlines(medians, [y - 0.3 for y in ys], [y + 0.3 for y in ys], color="#000000", linewidth=2)
    axes.set_yticks(list(ys), [f"{_short(row[0])} ({row[1]})" for row in rows])
    axes.set_xlabel("words per post")
    if min(lows) >= 1 and max(highs) > 20 * min(lows):  # one 20,000-word post would squeeze every box flat
        from matplotlib.ticker import FuncFormatter

        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))
        axes.set_xlabel("words per post (a log scale)")


def _draw_coverage(chart: Chart, axes: Any) -> None:
    row = chart.rows[0]
    names = chart.columns[2:][::-1]
    shares = [100 * value / row[1] for value in row[2:]][::-1]
    axes.barh(names, shares, color=PALETTE[2])
    for y, share in enumerate(shares):
        axes.text(min(share + 1, 92), y, f"{share:.0f} %", va="center", fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"share of {row[1]:,} posts (%)")


def _draw_ranked(chart: Chart, axes: Any) -> None:
    rows = chart.rows[::-1]
    axes.barh(range(len(rows)), [row[1] for row in rows], color=PALETTE[0])
    axes.set_yticks(range(len(rows)), [_short(str(row[0])) for row in rows])
    axes.set_xlabel(chart.columns[1])


def _draw_crawl_bars(chart: Chart, axes: Any) -> None:
    rows = chart.rows[-CRAWLS_DRAWN:][::-1]
    series = chart.columns[3:]
    shown, rest = (series, []) if len(series) <= SERIES else (series[: SERIES - 1], series[SERIES - 1 :])
    labels = [_short(_crawl_label(row), 60) for row in rows]
    left = [0] * len(rows)
    names = [*shown, *(["other outcomes"] if rest else [])]
    for name, colour in zip(names, _colours(names)):
        if name == "other outcomes":
            values = [sum(row[3 + series.index(s)] for s in rest) for row in rows]
        else:
            values = [row[3 + series.index(name)] for row in rows]
        axes.barh(range(len(rows)), values, left=left, label=name, color=colour, height=0.7)
        left = [a + b for a, b in zip(left, values)]
    axes.set_yticks(range(len(rows)), labels)
    axes.set_xlabel("URLs")
    _legend(axes)


def _draw_changes(chart: Chart, axes: Any) -> None:
    rows = [row for row in chart.rows if row[0] is not None]
    times = [row[0].replace(tzinfo=None) for row in rows]
    # matplotlib's dates end at years 1 and 9999, and its tick finder steps past the
    # last time: a crawl clock that wrong is drawn in order instead
    timed = bool(times) and _EARLIEST < min(times) and max(times) < _LATEST
    xs: list[Any] = times if timed else list(range(len(rows)))
    for name, colour in zip(("new pages", "new versions"), PALETTE):
        column = chart.columns.index(name)
        axes.plot(xs, [row[column] for row in rows], marker="o", markersize=4, label=name, color=colour)
    if timed:
        axes.set_xlim(min(times) - timedelta(days=1), max(times) + timedelta(days=1))
        _time_axis(axes)
    else:
        axes.set_xticks(xs, [_short(_crawl_label(row), 20) for row in rows], rotation=30, ha="right")
    axes.set_ylabel("pages")
    _legend(axes)


_MONTH = timedelta(days=31)
#: crawl start times drawn on a time axis lie between these
_EARLIEST, _LATEST = datetime(2, 1, 1), datetime(9998, 1, 1)

_DRAW: dict[str, tuple[Callable[[Chart, Any], None], str]] = {
    # key: (drawing, which axis counts whole numbers)
    "posts-per-site": (_draw_site_spans, ""),
    "posts-per-month": (_draw_months, "y"),
    "words-per-site": (_draw_boxes, ""),
    "extraction-coverage": (_draw_coverage, ""),
    "top-tags": (_draw_ranked, "x"),
    "platforms": (_draw_ranked, "x"),
    "changes-per-crawl": (_draw_changes, "y"),
    "outcomes-per-crawl": (_draw_crawl_bars, "x"),
}


def draw(chart: Chart, axes: Any) -> None:
    """Draw `chart` (with rows) on matplotlib `axes`."""
    from matplotlib.ticker import MaxNLocator

    drawing, integer_axis = _DRAW[chart.key]
    drawing(chart, axes)
    if integer_axis:
        getattr(axes, f"{integer_axis}axis").set_major_locator(MaxNLocator(integer=True))


def _height(chart: Chart) -> float:
    """Inches: charts with a bar per row grow with their rows."""
    if chart.key == "posts-per-site":
        bars = min(len(_dated_sites(chart)), SITES_DRAWN)
    elif chart.key == "words-per-site":
        bars = min(len(chart.rows), SITES_DRAWN + 1)
    elif chart.key == "outcomes-per-crawl":
        bars = min(len(chart.rows), CRAWLS_DRAWN)
    elif chart.key in ("top-tags", "platforms"):
        bars = len(chart.rows)
    elif chart.key == "extraction-coverage":
        bars = len(COVERAGE)
    else:
        return 3.0
    return max(1.6, 0.26 * bars + 0.9)


def _dated_sites(chart: Chart) -> list[list[Any]]:
    """The rows of "posts per site" that have a first and last post date."""
    return [row for row in chart.rows if row[2]]


def _svg(chart: Chart) -> str:
    """The chart as an inline <svg> element (empty charts say so instead)."""
    if not chart.rows:
        return '<p class="empty">Nothing to show.</p>'
    if chart.key == "posts-per-site" and not _dated_sites(chart):
        return '<p class="empty">No dated posts to draw.</p>'
    if chart.key == "changes-per-crawl" and all(row[0] is None for row in chart.rows):
        return '<p class="empty">No crawl has a start time to draw (the crawls table has none of them).</p>'
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
    figure, axes = plt.subplots(figsize=(8.5, _height(chart)))
    try:
        draw(chart, axes)
        buffer = io.StringIO()
        with warnings.catch_warnings():
            # text is kept as text (svg.fonttype none): the browser draws an emoji or a
            # script matplotlib's own font lacks, so its "Glyph missing" warning is noise
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
            figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    finally:
        plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return _minute(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def _table(chart: Chart) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in chart.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in chart.rows)
    table = f'<table data-chart="{chart.key}"><tr>{head}</tr>{body}</table>'
    if chart.table_only:
        return table
    return f"<details><summary>Figures</summary>{table}</details>"


def _section(chart: Chart) -> str:
    shown = "" if chart.table_only else _svg(chart)
    return (
        f'<section id="{chart.key}"><h2>{html.escape(chart.title)}</h2><p class="note">{html.escape(chart.note)}</p>'
        f"{shown}{_table(chart)}</section>"
    )


# --- the report ---------------------------------------------------------------------


def build_report(root: Root) -> tuple[str, float]:
    """The report of the archive at `root` as one HTML string, and the seconds it took."""
    started = time.perf_counter()
    root = locate(root)
    pages = read_pages(
        root,
        ["url", "fetched_at", "crawl_id", "host", "page_type", "published", "word_count", "platform", "tags"]
        + [name for name, _ in COVERAGE if name not in ("published", "tags")],
    )
    latest = latest_per_key(pages, "url", "fetched_at")
    fetches = read_fetches(root, ["crawl_id", "kind", "outcome"])
    crawls = read_crawls(root)
    summary = summary_of(latest, pages.num_rows, fetches, crawls)  # the tables read once
    charts = [
        posts_per_site(latest),
        posts_per_month(latest),
        words_per_site(latest),
        extraction_coverage(latest),
        top_tags(latest),
        platforms(latest),
        changes_per_crawl(pages, fetches, crawls),
        outcomes_per_crawl(fetches, crawls),
    ]
    sections = "\n".join(_section(chart) for chart in charts)
    first, last = summary.first_published, summary.last_published
    span = f"{first.date().isoformat()} to {last.date().isoformat()}" if first and last else "none dated"
    facts = [
        ("Pages", f"{summary.pages:,} ({summary.posts:,} posts)"),
        ("Versions", f"{summary.versions:,}"),
        ("Sites", f"{len(summary.sites):,}"),
        ("Published", span),
        ("Words", f"{summary.words:,}"),
        ("Crawls", f"{summary.crawl_count:,}"),
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
  td {{ font-variant-numeric: tabular-nums; }}
  summary {{ cursor: pointer; color: #0072B2; font-size: .9rem; }}
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
