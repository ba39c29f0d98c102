"""What rendering in a browser costs: `get` of N client-rendered pages (an empty app root
whose script fetches the post as JSON) with `--render never` and with `--render auto`,
alternating, and `get` of one such page; then the share of pages `auto` renders on the
demo blog (it should be none) and on the rendering tests' site.

Per rendered page: the difference of the medians divided by N (wall and CPU of the whole
process tree, the browser's processes included); memory: the tree's peak RSS and PSS, and
the largest browser and Playwright-driver processes. Settings: no download delay, no
AutoThrottle, extraction in the crawl process, RENDER_MAX_PAGES as set (default 2).

    .venv/bin/python benchmarks/render_cost.py [--pages 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from measure import Measurement, run  # noqa: E402

from blogarchive.crawler.demo import SITE_DIR  # noqa: E402
from blogarchive.crawler.demo.server import SiteServer  # noqa: E402

BLOGARCHIVE = str(Path(sys.executable).with_name("blogarchive"))
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]


def write_shells(folder: Path, pages: int) -> None:
    for n in range(pages):
        (folder / f"shell-{n}.html").write_text(
            f"<html><head><title>Shell {n}</title><script src='/app.js' defer></script></head>"
            f"<body><div id='root' data-post='{n}'></div></body></html>"
        )
        body = [
            f"Sentence {k} of post {n}, about the harbour, its boats and the people who work there." for k in range(12)
        ]
        (folder / f"post-{n}.json").write_text(json.dumps({"title": f"Post {n}", "paragraphs": body}))
    (folder / "app.js").write_text(
        "const root = document.getElementById('root');"
        "fetch('/post-' + root.dataset.post + '.json').then(r => r.json()).then(post => {"
        "root.innerHTML = '<article><h1>' + post.title + '</h1>' + "
        "post.paragraphs.map(p => '<p>' + p + '</p>').join('') + '</article>'; });"
    )


def get(urls: list[str], out: Path, mode: str) -> Measurement:
    result = run([BLOGARCHIVE, "get", *urls, "--out", str(out), "--render", mode, *FAST])
    if result.returncode != 0:
        raise SystemExit(f"get --render {mode} failed: {result.stderr}")
    return result


def rendered_share(out: Path) -> tuple[int, int]:
    import duckdb

    rows = duckdb.sql(
        f"SELECT count(*) FILTER (WHERE rendered), count(*) FROM read_parquet('{out}/fetches/*.parquet') "
        "WHERE kind = 'page'"
    ).fetchall()
    return rows[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        site_dir = tmp / "site"
        site_dir.mkdir()
        write_shells(site_dir, args.pages)
        with SiteServer(site_dir) as site:
            urls = [site.url(f"/shell-{n}") for n in range(args.pages)]
            results: dict[str, list[Measurement]] = {}
            for run_number in range(args.runs):
                for label, pages, mode in (
                    ("never", urls, "never"),
                    ("auto", urls, "auto"),
                    ("one, never", urls[:1], "never"),
                    ("one, auto", urls[:1], "auto"),
                ):
                    out = tmp / f"out-{label}-{run_number}".replace(" ", "").replace(",", "")
                    results.setdefault(label, []).append(get(pages, out, mode))
            share = rendered_share(tmp / "out-auto-0")
        print(f"{args.pages} client-rendered pages, {args.runs} alternating runs each; medians\n")
        print("| run | wall s | CPU s | peak RSS MB | peak PSS MB | largest browser process MB | driver MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        medians = {}
        for label, measured in results.items():
            wall = statistics.median(m.seconds for m in measured)
            cpu = statistics.median(m.cpu_seconds for m in measured)
            rss = statistics.median(m.peak_mb for m in measured)
            pss = statistics.median(m.peak_pss_mb for m in measured)
            browser = statistics.median(m.peak_rss_by_role.get("browser", 0.0) for m in measured)
            driver = statistics.median(m.peak_rss_by_role.get("playwright driver", 0.0) for m in measured)
            medians[label] = (wall, cpu, rss, pss)
            print(f"| {label} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {pss:.0f} | {browser:.0f} | {driver:.0f} |")
        wall = (medians["auto"][0] - medians["never"][0]) / args.pages
        cpu = (medians["auto"][1] - medians["never"][1]) / args.pages
        print(
            f"\nper rendered page ({args.pages} pages): {wall:.3f} s wall, {cpu:.3f} s CPU; "
            f"the browser's memory: +{medians['auto'][2] - medians['never'][2]:.0f} MB RSS, "
            f"+{medians['auto'][3] - medians['never'][3]:.0f} MB PSS at the peak"
        )
        print(
            f"one page: {medians['one, auto'][0] - medians['one, never'][0]:.2f} s wall and "
            f"{medians['one, auto'][1] - medians['one, never'][1]:.2f} s CPU more than without a browser "
            "(its start included)"
        )
        print(f"rendered by auto: {share[0]} of {share[1]} pages of the generated site")

        demo = tmp / "demo"
        with SiteServer(SITE_DIR) as site:
            result = run([BLOGARCHIVE, "crawl", site.url("/"), "--out", str(demo), "--render", "auto", *FAST])
            if result.returncode != 0:
                raise SystemExit(f"the demo crawl failed: {result.stderr}")
        rendered, pages = rendered_share(demo)
        print(f"rendered by auto on the demo blog: {rendered} of {pages} pages")


if __name__ == "__main__":
    main()
