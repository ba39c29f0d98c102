"""Throughput side by side, in one run, on one site and the same cores:

1. `blogarchive crawl` of the site;
2. a naive Scrapy spider with trafilatura inline in `parse()` (naive_spider.py), and
   Scrapy alone, fetching the same pages and doing nothing with them (floor_spider.py);
3. trafilatura's own CLI, `trafilatura -i urls.txt --parallel 2`, on the post URLs;
4. `blogarchive get --input-file` on the same URLs;
5. extraction alone over preloaded pages, in 1 process and in one per core (the ceiling).

Prints pages/s, CPU seconds per page and peak memory of the whole process tree for
each, and the ratios the throughput issue sets as targets. The site (sitegen.py:
Wix-like pages of ~430 KB, WordPress- and Blogger-like of ~120 KB) is served by nginx.

    .venv/bin/python benchmarks/throughput.py [--posts 300]
    .venv/bin/python benchmarks/throughput.py --memory        # peak memory at 1,000 and 10,000 posts
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from measure import Measurement, run  # noqa: E402
from sitegen import make_site  # noqa: E402
from static_server import NginxServer, free_port, nginx_available  # noqa: E402

BIN = Path(sys.executable).parent
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
TRAFILATURA_CONFIG = (
    "[DEFAULT]\nDOWNLOAD_TIMEOUT = 30\nMAX_FILE_SIZE = 20000000\nMIN_FILE_SIZE = 10\nSLEEP_TIME = 0\n"
    "USER_AGENTS =\nCOOKIE =\nMAX_REDIRECTS = 2\nSSRF_PROTECTION = off\nINSECURE_SSL_FALLBACK = on\n"
    "MIN_EXTRACTED_SIZE = 250\nMIN_EXTRACTED_COMM_SIZE = 1\nMIN_OUTPUT_SIZE = 1\nMIN_OUTPUT_COMM_SIZE = 1\n"
    "EXTRACTION_TIMEOUT = 0\nMIN_DUPLCHECK_SIZE = 100\nMAX_REPETITIONS = 2\nEXTENSIVE_DATE_SEARCH = on\n"
    "EXTERNAL_URLS = off\nMAX_TREE_SIZE =\nMAX_TREE_DEPTH =\nURL_PRUNING = on\n"
)


def row(name: str, pages: int, m: Measurement) -> dict:
    if m.returncode != 0:
        print(f"{name} exited {m.returncode}:\n{m.stderr[-2000:]}")
    return {
        "name": name,
        "pages": pages,
        "seconds": m.seconds,
        "rate": pages / m.seconds,
        "cpu": m.cpu_seconds / pages,
        "peak": m.peak_mb,
    }


def compare(posts: int, tmp: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = tmp / "site"
    urls = make_site(site, posts, base)
    (tmp / "urls.txt").write_text("\n".join(urls) + "\n")
    (tmp / "trafilatura.cfg").write_text(TRAFILATURA_CONFIG)
    rows = []
    with NginxServer(site, port):
        m = run([str(BIN / "blogarchive"), "crawl", base + "/", "--out", str(tmp / "ours"), *FAST])
        rows.append(row("blogarchive crawl", posts, m))
        m = run(
            [
                str(BIN / "scrapy"),
                "runspider",
                str(HERE / "naive_spider.py"),
                "-a",
                f"sitemap={base}/sitemap.xml",
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            ],
            cwd=tmp,
        )
        rows.append(row("naive Scrapy + trafilatura", posts, m))
        m = run(
            [
                str(BIN / "scrapy"),
                "runspider",
                str(HERE / "floor_spider.py"),
                "-a",
                f"sitemap={base}/sitemap.xml",
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            ],
            cwd=tmp,
        )
        rows.append(row("Scrapy alone (fetch, no extraction)", posts, m))
        m = run(
            [
                str(BIN / "trafilatura"),
                "-i",
                str(tmp / "urls.txt"),
                "--parallel",
                str(os.cpu_count() or 2),
                "-o",
                str(tmp / "trafilatura-out"),
                "--config-file",
                str(tmp / "trafilatura.cfg"),
            ]
        )
        rows.append(row(f"trafilatura CLI --parallel {os.cpu_count()}", posts, m))
        m = run(
            [str(BIN / "blogarchive"), "get", "--input-file", str(tmp / "urls.txt"), "--out", str(tmp / "get"), *FAST]
        )
        rows.append(row("blogarchive get --input-file", posts, m))
    for processes in (1, os.cpu_count() or 2):
        m = run([sys.executable, str(HERE / "extract_ceiling.py"), str(site), "--processes", str(processes)])
        rows.append(row(f"extraction only, {processes} process{'es' if processes > 1 else ''}", posts, m))
    print(f"\n{posts} posts, {os.cpu_count()} cores\n")
    print(f"{'run':<36} {'s':>7} {'pages/s':>8} {'CPU s/page':>11} {'peak MB':>8}")
    for r in rows:
        print(f"{r['name']:<36} {r['seconds']:>7.1f} {r['rate']:>8.1f} {r['cpu']:>11.3f} {r['peak']:>8.0f}")
    ours, naive, floor, cli, get, single, ceiling = rows
    cores = os.cpu_count() or 2
    bound = cores / (floor["cpu"] + single["cpu"])
    print(
        f"\nScrapy's own CPU per page plus extraction's, on {cores} cores, bound any Scrapy crawl "
        f"with extraction to {bound:.0f} pages/s here ({bound / ceiling['rate']:.0%} of the ceiling)"
    )
    print(f"\ncrawl vs naive spider:        {ours['rate'] / naive['rate']:.2f}x (target 2.4x)")
    print(f"get vs trafilatura CLI:       {get['rate'] / cli['rate']:.2f}x (target 1.7x)")
    print(f"crawl vs extraction ceiling:  {ours['rate'] / ceiling['rate']:.0%} (target 75%)")
    print(f"peak memory of the crawl:     {ours['peak']:.0f} MB (target < 600 MB)")


def memory(tmp: Path) -> None:
    peaks = {}
    for posts in (1000, 10000):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        site = tmp / f"site-{posts}"
        make_site(site, posts, base)
        with NginxServer(site, port):
            m = run([str(BIN / "blogarchive"), "crawl", base + "/", "--out", str(tmp / f"ours-{posts}"), *FAST])
        peaks[posts] = m.peak_mb
        print(f"{posts} posts: {m.seconds:.1f}s, {posts / m.seconds:.1f} pages/s, peak {m.peak_mb:.0f} MB")
        shutil.rmtree(site)
    print(f"growth from 1,000 to 10,000 posts: {peaks[10000] / peaks[1000] - 1:+.0%} (target at most +20%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--memory", action="store_true", help="run the memory comparison instead")
    args = parser.parse_args()
    if not nginx_available():
        sys.exit("throughput.py needs nginx (apt-get install nginx-light): Python's server would be the bottleneck")
    with tempfile.TemporaryDirectory() as tmp:
        if args.memory:
            memory(Path(tmp))
        else:
            compare(args.posts, Path(tmp))


if __name__ == "__main__":
    main()
