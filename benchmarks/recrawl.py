"""Re-crawling an unchanged site: requests, new rows and time against the first crawl.

Generates a blog of N posts (WordPress-like pages of about 30 KB with a sidebar and
comments, a sitemap without dates so every known page needs a conditional request,
a feed, robots.txt), serves it on 127.0.0.1 with ETag/Last-Modified support, and runs
`blogarchive crawl` twice into one archive, as a scheduler would.

    .venv/bin/python benchmarks/recrawl.py [--posts 500] [--runs 3]

Target (issue 3): the second crawl sends no more than robots.txt, sitemap and feed
requests plus one conditional request per known page, stores no page row, and takes
under a tenth of the first crawl's time.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyarrow.compute as pc  # noqa: E402
from static_server import NginxServer, free_port, nginx_available  # noqa: E402

from blogarchive import archive  # noqa: E402
from blogarchive.crawler.demo.server import SiteServer  # noqa: E402

WORDS = (
    "river valley morning train station harbour window market bread coffee letter garden "
    "mountain evening lantern bridge village orchard ferry island library"
).split()


def paragraph(seed: int, length: int = 70) -> str:
    """Text unique to its seed, so that no two posts deduplicate."""
    rng = random.Random(seed)
    return f"Note {seed}: " + " ".join(rng.choice(WORDS) for _ in range(length)) + "."


def make_site(root: Path, posts: int, base: str) -> None:
    sidebar = "".join(f"<li><a href='/post-{n}/'>Recent post {n}</a></li>" for n in range(min(posts, 10)))
    for n in range(posts):
        body = "".join(f"<p>{paragraph(n * 13 + k)}</p>" for k in range(8))
        comments = "".join(
            f"<li class='comment'><div class='comment-author'><cite class='fn'>Reader {k}</cite></div>"
            f"<div class='comment-content'><p>{paragraph(n + k, 25)}</p></div></li>"
            for k in range(4)
        )
        filler = "<script>var config = " + "{" + ",".join(f'"k{i}": {i}' for i in range(900)) + "};</script>"
        page = (
            f"<!DOCTYPE html><html lang='en'><head><meta name='generator' content='WordPress 6.4.2'>"
            f"<title>Post {n} - Bench Blog</title><meta property='og:type' content='article'>"
            f"<meta property='og:site_name' content='Bench Blog'>"
            f"<meta property='article:published_time' content='2024-01-{n % 28 + 1:02d}T10:00:00Z'>{filler}</head>"
            f"<body class='post-template-default single single-post'><header><nav><a href='/'>Home</a></nav></header>"
            f"<main><article class='post type-post hentry'><h1 class='entry-title'>Post {n}</h1>"
            f"<div class='entry-content'>{body}</div></article>"
            f"<div id='comments' class='comments-area'><ol class='comment-list'>{comments}</ol></div></main>"
            f"<aside id='secondary' class='widget-area'><section class='widget widget_recent_entries'>"
            f"<h2>Recent Posts</h2><ul>{sidebar}</ul></section></aside>"
            f"<footer>Proudly powered by WordPress</footer></body></html>"
        )
        folder = root / f"post-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(page)
    links = "".join(f"<li><a href='/post-{n}/'>Post {n}</a></li>" for n in range(posts))
    (root / "index.html").write_text(
        "<html><head><link rel='alternate' type='application/rss+xml' href='/feed.xml'></head>"
        f"<body class='home blog'><main><ul>{links}</ul></main></body></html>"
    )
    urls = "".join(f"<url><loc>{base}/post-{n}/</loc></url>" for n in range(posts))
    (root / "sitemap.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    items = "".join(f"<item><title>Post {n}</title><link>{base}/post-{n}/</link></item>" for n in range(min(posts, 20)))
    (root / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'
    )
    (root / "robots.txt").write_text(f"User-agent: *\nSitemap: {base}/sitemap.xml\n")


def crawl(url: str, out: Path) -> tuple[float, str, float]:
    """(wall seconds of the whole command, crawl id, seconds of the crawl itself as the
    summary line reports them: without interpreter start-up and imports)"""
    command = [
        str(Path(sys.executable).with_name("blogarchive")),
        "crawl",
        url,
        "--out",
        str(out),
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    ]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    inner = float(re.search(r" in ([\d.]+)s -> ", result.stdout).group(1))
    return wall, result.stdout.split()[1], inner


class PythonServer(SiteServer):
    """The fallback when nginx is not installed (slower: it caps the re-crawl rate)."""

    def log(self) -> list[tuple[str, bool]]:
        conditional = list(self.conditional)
        entries = []
        for path, _ in self.requests:
            entries.append((path, path in conditional))
            if path in conditional:
                conditional.remove(path)
        return entries


def serve(site_dir: Path, port: int):
    if nginx_available():
        return NginxServer(site_dir, port)
    print("nginx not found: using Python's http.server, which limits the re-crawl rate")
    return PythonServer(site_dir, port=port, validators=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    firsts, seconds, ratios, inner_ratios = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        site_dir = Path(tmp) / "site"
        make_site(site_dir, args.posts, f"http://127.0.0.1:{port}")
        with serve(site_dir, port) as site:
            print(f"{args.posts} posts served by {type(site).__name__} at {site.base_url}")
            for run in range(args.runs):
                out = Path(tmp) / f"archive-{run}"
                mark = len(site.log())
                first_time, first_id, first_inner = crawl(site.url("/"), out)
                first_requests = len(site.log()) - mark
                mark = len(site.log())
                second_time, second_id, second_inner = crawl(site.url("/"), out)
                requests = site.log()[mark:]
                pages = archive.read_pages(out, ["crawl_id"])
                new_rows = pc.sum(pc.equal(pages["crawl_id"], second_id)).as_py() or 0
                fetches = archive.read_fetches(out, ["crawl_id", "outcome"])
                second = fetches.filter(pc.equal(fetches["crawl_id"], second_id))["outcome"].to_pylist()
                discovery = sum(1 for path, _ in requests if path in ("/robots.txt", "/sitemap.xml", "/feed.xml"))
                conditional = sum(1 for _, cond in requests if cond)
                print(
                    f"run {run + 1}: first crawl {first_time:.2f}s ({first_inner:.1f}s crawling), {first_requests} requests; "
                    f"re-crawl {second_time:.2f}s ({second_inner:.1f}s crawling), {len(requests)} requests "
                    f"({discovery} robots/sitemap/feed + {conditional} conditional), "
                    f"{new_rows} new page rows, not_modified {second.count('not_modified')}, "
                    f"ratio {second_time / first_time:.3f}"
                )
                firsts.append(first_time)
                seconds.append(second_time)
                ratios.append(second_time / first_time)
                inner_ratios.append(second_inner / first_inner)
    print(
        f"median over {args.runs} runs, {args.posts} posts: first {statistics.median(firsts):.2f}s, "
        f"re-crawl {statistics.median(seconds):.2f}s, ratio {statistics.median(ratios):.3f} whole command, "
        f"{statistics.median(inner_ratios):.3f} crawling only (target < 0.1)"
    )


if __name__ == "__main__":
    main()
