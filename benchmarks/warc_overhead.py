"""What `--warc` costs a crawl: wall and CPU time of `blogarchive crawl` with and without it,
on a generated blog (sitegen.py) served by nginx, alternating, and the size of the WARC files.

    .venv/bin/python benchmarks/warc_overhead.py [--posts 1000] [--runs 2]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sitegen import make_site  # noqa: E402
from static_server import NginxServer, free_port  # noqa: E402

BLOGARCHIVE = str(Path(sys.executable).with_name("blogarchive"))
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def crawl(url: str, out: Path, extra: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([BLOGARCHIVE, "crawl", url, "--out", str(out), *FAST, *extra], check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        make_site(tmp / "site", args.posts, f"http://127.0.0.1:{port}")
        results: dict[str, list[tuple[float, float]]] = {"plain": [], "--warc": []}
        warc_mb = 0.0
        with NginxServer(tmp / "site", port) as server:
            for run in range(args.runs):
                for name, extra in (("plain", []), ("--warc", ["--warc"])):
                    out = tmp / f"archive-{run}-{name}"
                    results[name].append(crawl(server.url("/"), out, extra))
                    if extra:
                        warc_mb = sum(f.stat().st_size for f in (out / "warc").glob("*.warc.gz")) / 1e6
        html_mb = sum(f.stat().st_size for f in (tmp / "site").rglob("*.html")) / 1e6
        print(f"{args.posts} posts, {html_mb:.0f} MB of HTML; WARC files {warc_mb:.0f} MB\n")
        print("crawl     median wall s   median CPU s")
        for name, runs in results.items():
            print(
                f"{name:<8}{statistics.median(w for w, _ in runs):>15.1f}{statistics.median(c for _, c in runs):>15.1f}"
            )
        wall = statistics.median(w for w, _ in results["--warc"]) / statistics.median(w for w, _ in results["plain"])
        print(f"\n--warc / plain wall time: {wall:.2f}")


if __name__ == "__main__":
    main()
