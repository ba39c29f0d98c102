"""Sites per minute and pages per second with 1, 2 and 3 `blogarchive worker`s on one
machine: N loopback sites submitted at once to a fresh redis-server, timed until the
last one is finished. Needs redis-server (apt-get install redis-server).

    .venv/bin/python benchmarks/scaling.py [--sites 12] [--posts 20] [--workers 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from crawler.demo.server import SiteServer  # noqa: E402
sys.path.insert(0, str(HERE))
from static_server import free_port  # noqa: E402

SETTINGS = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0"]


def make_blog(root: Path, posts: int) -> Path:
    root.mkdir(parents=True)
    filler = " ".join(["The harbour, the ferries, the gulls and the fish market at dawn."] * 12)
    links = "".join(f'<li><a href="/post-{n}">Post {n}</a></li>' for n in range(posts))
    (root / "index.html").write_text(f"<html><body><main><h1>Blog</h1><ul>{links}</ul></main></body></html>")
    for n in range(posts):
        (root / f"post-{n}.html").write_text(
            f"<html><head><title>Post {n}</title></head><body><article><h1>Post {n}</h1><p>{n}: {filler}</p>"
            f"<p>{filler} {n}</p></article></body></html>")
    return root


def run(workers: int, sites: list[SiteServer], tmp: Path) -> float:
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    broker = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis(port=port)
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    out = tmp / f"out-{workers}"
    processes = [subprocess.Popen([sys.executable, "-m", "archive.cli", "worker", "--broker", broker, "--name", f"w{n}@bench"],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in range(workers)]
    try:
        time.sleep(2)  # let the workers connect
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "archive.cli", "submit", *(s.url("/") for s in sites), "--out", str(out),
                        "--broker", broker, *SETTINGS], cwd=ROOT, check=True, capture_output=True)
        while sum(json.loads(v)["status"] == "finished" for v in client.hgetall("blogarchive:site-status").values()) < len(sites):
            time.sleep(0.1)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("scaling.py needs redis-server (apt-get install redis-server)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        blog = make_blog(tmp / "blog", args.posts)
        sites = [SiteServer(blog).start() for _ in range(args.sites)]
        try:
            pages = args.sites * (args.posts + 1)
            print(f"{args.sites} sites of {args.posts + 1} pages each\n\nworkers  seconds  sites/min  pages/s")
            for workers in args.workers:
                seconds = run(workers, sites, tmp)
                print(f"{workers:>7}  {seconds:>7.1f}  {args.sites / seconds * 60:>9.1f}  {pages / seconds:>7.1f}")
        finally:
            for site in sites:
                site.stop()


if __name__ == "__main__":
    main()
