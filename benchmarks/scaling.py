"""Sites per minute and pages per second with 1, 2 and 3 `blogarchive worker`s on one
machine: N loopback sites submitted at once to a fresh redis-server, timed until the
last one is finished. Needs redis-server (apt-get install redis-server). With --s3 the
shared archive is a bucket on a local moto S3 server instead of a folder.

    .venv/bin/python benchmarks/scaling.py [--sites 12] [--posts 20] [--workers 1 2 3] [--s3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from blogarchive.crawler.demo.server import SiteServer  # noqa: E402

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
            f"<p>{filler} {n}</p></article></body></html>"
        )
    return root


class MotoServer:
    """moto's S3 server on loopback, with a fresh bucket per run."""

    def __init__(self) -> None:
        port = free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while True:
            try:
                urllib.request.urlopen(self.endpoint, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1")

    def new_bucket(self) -> str:
        from pyarrow import fs

        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        fs.S3FileSystem(endpoint_override=self.endpoint, region="us-east-1", allow_bucket_creation=True).create_dir(
            bucket
        )
        return f"s3://{bucket}/shared"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def run(workers: int, sites: list[SiteServer], tmp: Path, s3: MotoServer | None = None) -> float:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    broker = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis(port=port)
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    out = s3.new_bucket() if s3 else str(tmp / f"out-{workers}")
    store = ["--s3-endpoint", s3.endpoint] if s3 else []
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "blogarchive.cli",
                "worker",
                "--broker",
                broker,
                "--name",
                f"w{n}@bench",
                "--out",
                out,
                *store,
                "--allow-private",
            ],  # the sites are on loopback
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    try:
        time.sleep(2)  # let the workers connect
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "blogarchive.cli",
                "submit",
                *(s.url("/") for s in sites),
                "--out",
                out,
                "--broker",
                broker,
                *store,
                *SETTINGS,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        while sum(
            json.loads(v)["status"] == "finished" for v in client.hgetall("blogarchive:site-status").values()
        ) < len(sites):
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
    parser.add_argument("--s3", action="store_true", help="archive to a local moto S3 server, not a folder")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("scaling.py needs redis-server (apt-get install redis-server)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        blog = make_blog(tmp / "blog", args.posts)
        sites = [SiteServer(blog).start() for _ in range(args.sites)]
        s3 = MotoServer() if args.s3 else None
        try:
            pages = args.sites * (args.posts + 1)
            store = "a moto S3 bucket" if s3 else "a folder"
            print(
                f"{args.sites} sites of {args.posts + 1} pages each, into {store}\n\nworkers  seconds  sites/min  pages/s"
            )
            for workers in args.workers:
                seconds = run(workers, sites, tmp, s3)
                print(f"{workers:>7}  {seconds:>7.1f}  {args.sites / seconds * 60:>9.1f}  {pages / seconds:>7.1f}")
        finally:
            for site in sites:
                site.stop()
            if s3:
                s3.stop()


if __name__ == "__main__":
    main()
