"""Report build time and web UI response times on an archive of N posts (2,000 by default).

A synthetic blog (sitegen.py) is crawled into a fresh archive, a tenth of its posts is
edited, and it is crawled again, so pages have versions to diff. Then:
`blogarchive report` (whole command, median of 3 runs), and `blogarchive serve` with the
first request (which reads the archive) and the median of 20 requests per view.

    .venv/bin/python benchmarks/browse.py [--posts 2000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from sitegen import make_site  # noqa: E402

from blogarchive.crawler.demo.server import SiteServer  # noqa: E402

BLOGARCHIVE = str(Path(sys.executable).with_name("blogarchive"))
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def crawl(url: str, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([BLOGARCHIVE, "crawl", url, "--out", str(out), *FAST], check=True, capture_output=True)
    return time.perf_counter() - started


def fetch(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        assert response.status == 200, url
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        site_dir = tmp / "site"
        site_dir.mkdir()
        with SiteServer(site_dir) as site:
            posts = make_site(site_dir, args.posts, site.base_url)
            out = tmp / "archive"
            first = crawl(site.url("/"), out)
            edited = sorted(site_dir.rglob("*.html"))[::10]
            for path in edited:
                text = path.read_text(encoding="utf-8")
                path.write_text(text.replace("</p>", " An edit made after the first crawl.</p>", 1), encoding="utf-8")
            second = crawl(site.url("/"), out)
        size = sum(f.stat().st_size for f in out.rglob("*.parquet")) / 1e6
        print(
            f"{args.posts} posts ({len(posts)} URLs): first crawl {first:.1f}s, second crawl {second:.1f}s "
            f"({len(edited)} files edited); archive {size:.0f} MB of Parquet\n"
        )

        runs = []
        for _ in range(3):
            started = time.perf_counter()
            result = subprocess.run(
                [BLOGARCHIVE, "report", str(out), "-o", str(tmp / "report.html")],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(time.perf_counter() - started)
        print(
            f"report: median {statistics.median(runs):.2f}s for the whole command (runs {', '.join(f'{r:.2f}' for r in runs)}); "
            f"{result.stdout.strip()}\n"
        )

        server = subprocess.Popen([BLOGARCHIVE, "serve", str(out), "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            base = server.stdout.readline().split(" at ", 1)[1].split()[0].rstrip("/")
            import pyarrow.compute as pc

            from blogarchive import archive

            pages = archive.read_pages(out, ["url", "host", "fetched_at"])
            counts = pages.group_by("url").aggregate([("fetched_at", "count")])
            versioned = counts.filter(pc.greater(counts["fetched_at_count"], 1))["url"][0].as_py()
            host = pages["host"][0].as_py()
            quote = urllib.parse.quote
            views = {
                "sites (first request: reads the archive)": "/",
                "sites": "/",
                "site's pages": f"/site/{host}",
                "page": f"/page?url={quote(versioned, safe='')}",
                "diff": f"/diff?url={quote(versioned, safe='')}&a=1&b=2",
                "search": "/search?q=lighthouse",
                "raw capture": f"/raw?url={quote(versioned, safe='')}",
            }
            print("view                                      median ms   max ms")
            for name, path in views.items():
                times = [fetch(base + path) for _ in range(1 if "first" in name else 20)]
                print(f"{name:<42}{statistics.median(times) * 1000:>10.1f}{max(times) * 1000:>9.1f}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
