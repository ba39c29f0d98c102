"""The performance targets, each measured side by side in one run and printed with its bound.

1. memory: peak RSS (and PSS) of `blogarchive crawl`'s process tree at 1,000 and 10,000 posts;
2. CPU per page of `blogarchive crawl` against Scrapy alone fetching the same pages
   (floor_spider.py) plus extraction alone over them in one process (extract_ceiling.py),
   at 1,000 and 10,000 posts;
3. `blogarchive get --input-file` of the 1,000 post URLs against trafilatura's CLI
   (`--parallel 2 --with-metadata`), wall time and CPU of the whole process tree;
4. `blogarchive get URL --print` of one page against a bare Scrapy spider that fetches it
   and runs trafilatura (oneoff_floor.py), and the same spider fetching as politely as
   blogarchive does (robots.txt, the download delay): medians of alternating runs;
5. small sites on workers: 12 loopback sites of 21 pages, two `blogarchive worker`s over a
   fresh redis-server (scaling.py).

The site (sitegen.py: Wix-like pages of ~430 KB, WordPress- and Blogger-like of ~120 KB) is
served by nginx. Crawls of it run with the politeness settings off (FAST below), as the
anchors they are compared with have none: they measure the cost per page, not a server's
patience. The one-page runs (4) use blogarchive's defaults, and one more `get` of the
first 200 URLs shows what the defaults give.

    .venv/bin/python benchmarks/throughput.py                 # all targets (about 9 minutes)
    .venv/bin/python benchmarks/throughput.py --large 0       # without the 10,000-post site
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from measure import Measurement, run  # noqa: E402
from sitegen import make_site  # noqa: E402
from static_server import NginxServer, free_port, nginx_available  # noqa: E402

BIN = Path(sys.executable).parent
CORES = os.cpu_count() or 2
FAST = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s",
    "ROBOTSTXT_OBEY=False",
]
#: trafilatura's CLI with no delay between requests, no size limits and no SSRF guard (loopback)
TRAFILATURA_CONFIG = (
    "[DEFAULT]\nDOWNLOAD_TIMEOUT = 30\nMAX_FILE_SIZE = 20000000\nMIN_FILE_SIZE = 10\nSLEEP_TIME = 0\n"
    "USER_AGENTS =\nCOOKIE =\nMAX_REDIRECTS = 2\nSSRF_PROTECTION = off\nINSECURE_SSL_FALLBACK = on\n"
    "MIN_EXTRACTED_SIZE = 250\nMIN_EXTRACTED_COMM_SIZE = 1\nMIN_OUTPUT_SIZE = 1\nMIN_OUTPUT_COMM_SIZE = 1\n"
    "EXTRACTION_TIMEOUT = 0\nMIN_DUPLCHECK_SIZE = 100\nMAX_REPETITIONS = 2\nEXTENSIVE_DATE_SEARCH = on\n"
    "EXTERNAL_URLS = off\nMAX_TREE_SIZE =\nMAX_TREE_DEPTH =\nURL_PRUNING = on\n"
)


@dataclass
class Row:
    name: str
    pages: int
    m: Measurement

    @property
    def cpu_per_page(self) -> float:
        return self.m.cpu_seconds / self.pages


def measured(name: str, pages: int, command: list[str], **kwargs) -> Row:
    m = run(command, **kwargs)
    if m.returncode != 0:
        sys.exit(f"{name} exited {m.returncode}:\n{m.stderr[-2000:]}")
    return Row(name, pages, m)


def crawl_site(posts: int, tmp: Path, with_get: bool, polite: int = 0) -> list[Row]:
    """The crawl and its two anchors on a site of `posts` posts; with `with_get`, also
    `get --input-file` and trafilatura's CLI on its post URLs, and `get --input-file` of the
    first `polite` of them with blogarchive's default (polite) settings."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = tmp / f"site-{posts}"
    urls = make_site(site, posts, base)
    (tmp / "urls.txt").write_text("\n".join(urls) + "\n")
    (tmp / "trafilatura.cfg").write_text(TRAFILATURA_CONFIG)
    sitemap = ["-a", f"sitemap={base}/sitemap.xml", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
    rows = []
    with NginxServer(site, port):
        out = tmp / f"crawl-{posts}"
        rows.append(
            measured(
                f"crawl, {posts} posts",
                posts,
                [str(BIN / "blogarchive"), "crawl", base + "/", "--out", str(out), *FAST],
            )
        )
        shutil.rmtree(out)
        rows.append(
            measured(
                f"Scrapy alone, {posts}",
                posts,
                [str(BIN / "scrapy"), "runspider", str(HERE / "floor_spider.py"), *sitemap],
                cwd=tmp,
            )
        )
        if with_get:
            cli = [str(BIN / "trafilatura"), "-i", str(tmp / "urls.txt"), "--parallel", str(CORES), "--with-metadata"]
            cli += ["-o", str(tmp / "trafilatura-out"), "--config-file", str(tmp / "trafilatura.cfg")]
            rows.append(measured(f"trafilatura CLI, {posts}", posts, cli))
            out = tmp / f"get-{posts}"
            get = [str(BIN / "blogarchive"), "get", "--input-file", str(tmp / "urls.txt"), "--out", str(out), *FAST]
            rows.append(measured(f"get --input-file, {posts}", posts, get))
            shutil.rmtree(out)
        if polite:
            (tmp / "polite.txt").write_text("\n".join(urls[:polite]) + "\n")
            out = tmp / "get-polite"
            get = [str(BIN / "blogarchive"), "get", "--input-file", str(tmp / "polite.txt"), "--out", str(out)]
            rows.append(measured(f"get, defaults, {polite}", polite, get))
            shutil.rmtree(out)
    rows.append(
        measured(f"extraction alone, {posts}", posts, [sys.executable, str(HERE / "extract_ceiling.py"), str(site)])
    )
    shutil.rmtree(site)
    return rows


def one_page(tmp: Path, runs: int) -> dict[str, list[Measurement]]:
    """`get URL --print` and the two floors, alternating, `runs` times each."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = tmp / "site-one"
    url = make_site(site, 3, base)[1]
    commands = {
        "get URL --print": [str(BIN / "blogarchive"), "get", url, "--print"],
        "bare Scrapy + trafilatura": [sys.executable, str(HERE / "oneoff_floor.py"), url],
        "the same, polite": [sys.executable, str(HERE / "oneoff_floor.py"), url, "--polite"],
    }
    found: dict[str, list[Measurement]] = {name: [] for name in commands}
    with NginxServer(site, port):
        for _ in range(runs):
            for name, command in commands.items():
                m = run(command)
                if m.returncode != 0 or "Entry" not in m.stdout:
                    sys.exit(f"{name} failed ({m.returncode}):\n{m.stderr[-2000:]}")
                found[name].append(m)
    return found


def small_sites(tmp: Path) -> float | None:
    """Sites per minute of 12 sites of 21 pages with two workers (None without redis-server)."""
    if shutil.which("redis-server") is None:
        return None
    import scaling

    from blogarchive.crawler.demo.server import SiteServer

    blog = scaling.make_blog(tmp / "small-blog", 20)
    sites = [SiteServer(blog).start() for _ in range(12)]
    try:
        return len(sites) / scaling.run(2, sites, tmp) * 60
    finally:
        for site in sites:
            site.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000, help="the site of targets 2 and 3 (default 1,000)")
    parser.add_argument("--large", type=int, default=10000, help="the large site of targets 1 and 2 (0: none)")
    parser.add_argument("--runs", type=int, default=7, help="runs of each one-page command (default 7)")
    parser.add_argument(
        "--polite", type=int, default=200, help="URLs fetched with the default settings, for comparison (default 200)"
    )
    args = parser.parse_args()
    if not nginx_available():
        sys.exit("throughput.py needs nginx (apt-get install nginx-light): Python's server would be the bottleneck")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rows = crawl_site(args.posts, tmp, with_get=True, polite=args.polite)
        large = crawl_site(args.large, tmp, with_get=False) if args.large else []
        single = one_page(tmp, args.runs)
        rate = small_sites(tmp)
    report(args, rows, large, single, rate)


def report(args, rows: list[Row], large: list[Row], single: dict[str, list[Measurement]], rate: float | None) -> None:
    print(f"\n{CORES} cores; crawls with {' '.join(FAST[1::2])}\n")
    print(
        f"{'run':<28} {'s':>6} {'pages/s':>8} {'CPU s/page':>11} {'CPU main/children s':>20} {'RSS MB':>7} {'PSS MB':>7}"
    )
    for r in rows + large:
        main = r.m.cpu_by_role.get("main", 0.0)
        children = sum(v for k, v in r.m.cpu_by_role.items() if k != "main")
        print(
            f"{r.name:<28} {r.m.seconds:>6.1f} {r.pages / r.m.seconds:>8.1f} {r.cpu_per_page:>11.4f} "
            f"{f'{main:.1f} / {children:.1f}':>20} {r.m.peak_mb:>7.0f} {r.m.peak_pss_mb:>7.0f}"
        )
    for r in rows + large:
        if r.name.startswith("crawl"):
            roles = ", ".join(f"{role} {mb:.0f} MB" for role, mb in sorted(r.m.peak_rss_by_role.items()))
            print(f"  {r.name}: the largest RSS of one process of each kind: {roles}")
    print(f"\none page, median of {args.runs} alternating runs (blogarchive's default settings):")
    medians = {}
    for name, ms in single.items():
        medians[name] = (statistics.median(m.seconds for m in ms), statistics.median(m.cpu_seconds for m in ms))
        print(f"  {name:<28} {medians[name][0]:.2f} s wall, {medians[name][1]:.2f} s CPU")

    crawl, scrapy, cli, get = rows[:4]
    alone = rows[-1]
    targets: list[tuple[str, str, str, bool]] = []
    if large:
        big, big_scrapy, big_alone = large
        targets += [
            (
                f"1. peak RSS of the crawl's tree, {args.large} posts",
                f"{big.m.peak_mb:.0f} MB",
                "< 600 MB",
                big.m.peak_mb < 600,
            ),
            ("   its PSS (shared pages once)", f"{big.m.peak_pss_mb:.0f} MB", "", True),
            (
                f"   growth from {args.posts} posts",
                f"{big.m.peak_mb / crawl.m.peak_mb - 1:+.0%}",
                "< +20%",
                big.m.peak_mb / crawl.m.peak_mb - 1 < 0.2,
            ),
        ]
    for c, s, a in [(crawl, scrapy, alone)] + ([tuple(large)] if large else []):
        ratio = c.cpu_per_page / (s.cpu_per_page + a.cpu_per_page)
        targets.append((f"2. crawl CPU / (Scrapy + extraction), {c.pages}", f"{ratio:.2f}", "<= 1.25", ratio <= 1.25))
    speed, cpu = cli.m.seconds / get.m.seconds, get.m.cpu_seconds / cli.m.cpu_seconds
    targets += [
        (f"3. get --input-file speed / CLI's, {get.pages}", f"{speed:.2f}x", ">= 1.5x", speed >= 1.5),
        ("   its CPU / CLI's", f"{cpu:.2f}", "<= 1.1", cpu <= 1.1),
    ]
    ours, bare, polite = (medians[name] for name in single)
    targets += [
        ("4. get URL --print wall / bare floor", f"{ours[0] / bare[0]:.2f}", "<= 1.2", ours[0] / bare[0] <= 1.2),
        ("   CPU / bare floor", f"{ours[1] / bare[1]:.2f}", "<= 1.2", ours[1] / bare[1] <= 1.2),
        ("   wall / polite floor", f"{ours[0] / polite[0]:.2f}", "<= 1.2", ours[0] / polite[0] <= 1.2),
        ("   CPU / polite floor", f"{ours[1] / polite[1]:.2f}", "<= 1.2", ours[1] / polite[1] <= 1.2),
    ]
    if rate is not None:
        targets.append(("5. 12 sites of 21 pages, 2 workers", f"{rate:.1f} sites/min", ">= 55", rate >= 55))
    print(f"\n{'target':<48} {'figure':>14} {'bound':>9}  met")
    for name, figure, bound, met in targets:
        print(f"{name:<48} {figure:>14} {bound:>9}  {'yes' if met else 'NO' if bound else ''}")


if __name__ == "__main__":
    main()
