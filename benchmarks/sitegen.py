"""A synthetic blog of N posts with the weight and structure of real platforms.

Wix-like posts carry a few hundred KB of inline script and JSON (the viewer model
and warm-up data Wix inlines), WordPress-like and Blogger-like posts carry sidebars,
share bars and reader comments. Every post has its own text (no two deduplicate).
A sitemap, an RSS feed and robots.txt come with it, with absolute URLs on `base`.

    .venv/bin/python benchmarks/sitegen.py OUT_DIR --posts 500 --base http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

WORDS = (
    "river valley morning train station harbour window market bread coffee letter garden mountain "
    "evening lantern bridge village orchard ferry island library kitchen winter summer autumn spring "
    "harvest journey border museum theatre cathedral canal meadow forest lighthouse shore"
).split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def paragraphs(seed: int, count: int = 8) -> list[str]:
    rng = random.Random(seed)
    return [f"Entry {seed}.{k}: " + " ".join(sentence(rng, rng.randint(9, 18)) for _ in range(5)) for k in range(count)]


def wix_post(n: int, base: str, posts: int) -> str:
    rng = random.Random(n)
    body = "".join(f'<p class="_1dRdL" dir="auto"><span>{p}</span></p>' for p in paragraphs(n))
    model = {
        "siteFeatures": [f"feature{i}" for i in range(400)],
        "components": {
            f"comp-{i:05d}": {
                "type": "Container",
                "skin": "wysiwyg.viewer.skins.area.DefaultAreaSkin",
                "layout": {"x": i, "y": i * 2, "width": 980, "height": rng.randint(10, 900)},
                "props": {"id": f"dataItem-{i:06x}", "alt": sentence(rng, 6)},
            }
            for i in range(1400)
        },
    }
    warmup = {
        "blog": {
            "posts": [{"id": f"{n}-{i}", "title": sentence(rng, 6), "excerpt": sentence(rng, 20)} for i in range(120)]
        }
    }
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="Wix.com Website Builder"><title>Post {n} | Wix Bench</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Wix Bench">
<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", "@type": "BlogPosting", "headline": f"Post {n}", "author": {"@type": "Person", "name": f"Writer {n % 7}"}, "datePublished": f"2024-02-{n % 28 + 1:02d}T08:00:00Z"})}</script>
<style>{"".join(f".c{i}{{color:#{i:06x};margin:{i % 20}px}}" for i in range(1500))}</style>
<script id="wix-viewer-model" type="application/json">{json.dumps(model)}</script>
<script id="wix-warmup-data" type="application/json">{json.dumps(warmup)}</script>
</head><body><div id="SITE_CONTAINER"><div id="SCROLL_TO_TOP" role="region" aria-label="top of page"><span>top of page</span></div>
<header id="SITE_HEADER"><a href="{base}/">Wix Bench</a></header>
<main><div data-hook="post-page"><article data-hook="post">
<div data-hook="avatar-image"><span class="visually-hidden">Writer's picture</span></div><span data-hook="user-name">Writer {n % 7}</span>
<h1 data-hook="post-title">Post {n}</h1>
<section data-hook="post-description"><div data-id="rich-content-viewer">{body}</div></section>
<div data-hook="share-buttons"><button aria-label="Share on Facebook">f</button></div>
<footer data-hook="post-footer"><span data-hook="view-count">{rng.randint(1, 999)} views</span><span data-hook="comment-count">0 comments</span></footer>
</article>
<section data-hook="recent-posts"><h2>Recent Posts</h2><a data-hook="see-all-link" href="{base}/">See All</a>
{"".join(f'<a href="{base}/post-{(n + k) % posts}/">Recent {k}</a>' for k in range(1, 4))}</section>
</div></main><div id="SCROLL_TO_BOTTOM" role="region" aria-label="bottom of page"><span>bottom of page</span></div></div></body></html>"""


def wordpress_post(n: int, base: str, posts: int) -> str:
    rng = random.Random(n)
    body = "".join(f"<p>{p}</p>" for p in paragraphs(n))
    comments = "".join(
        f"<li class='comment'><article class='comment-body'><footer class='comment-meta'><b class='fn'>Reader {k}</b></footer>"
        f"<div class='comment-content'><p>{sentence(rng, 25)}</p></div></article></li>"
        for k in range(6)
    )
    widgets = "".join(
        f"<section class='widget'><h2>Widget {w}</h2><ul>"
        + "".join(
            f"<li><a href='{base}/post-{(n * 3 + w + i) % posts}/'>{sentence(rng, 5)}</a></li>" for i in range(12)
        )
        + "</ul></section>"
        for w in range(5)
    )
    scripts = "".join(f"<script>window.wp{i}={json.dumps({'k': sentence(rng, 40)})};</script>" for i in range(300))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="generator" content="WordPress 6.4.2">
<title>Post {n} &#8211; WP Bench</title><meta property="og:type" content="article"><meta property="og:site_name" content="WP Bench">
<meta property="article:published_time" content="2024-03-{n % 28 + 1:02d}T10:00:00+00:00">{scripts}
<link rel="stylesheet" href="{base}/wp-content/themes/bench/style.css"></head>
<body class="post-template-default single single-post postid-{n}"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header><nav><a href="{base}/">Home</a></nav></header><main id="content"><article class="post type-post hentry">
<h1 class="entry-title">Post {n}</h1><span class="byline">By <span class="author vcard"><a class="url fn n" href="{base}/">Author {n % 5}</a></span></span>
<div class="entry-content">{body}<div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3></div></div></article>
<div id="comments" class="comments-area"><h2>6 thoughts</h2><ol class="comment-list">{comments}</ol></div></main>
<aside id="secondary" class="widget-area">{widgets}</aside><footer>Proudly powered by WordPress</footer></body></html>"""


def blogger_post(n: int, base: str, posts: int) -> str:
    rng = random.Random(n)
    body = "<br /><br />".join(paragraphs(n))
    comments = "".join(
        f"<li class='comment'><div class='comment-header'><cite class='user'>Reader {k}</cite></div>"
        f"<p class='comment-content'>{sentence(rng, 20)}</p></li>"
        for k in range(5)
    )
    widgets = "".join(
        "<div class='widget PopularPosts'><h3>Popular</h3><ul>"
        + "".join(
            f"<li><a href='{base}/post-{(n * 5 + i) % posts}/'>{sentence(rng, 5)}</a><p>{sentence(rng, 15)}</p></li>"
            for i in range(10)
        )
        + "</ul></div>"
        for _ in range(4)
    )
    return f"""<!DOCTYPE html><html><head><meta content='blogger' name='generator'/><title>Blogger Bench: Post {n}</title>
<meta property="og:site_name" content="Blogger Bench"><style>{"".join(f".b{i}{{padding:{i % 9}px}}" for i in range(6000))}</style></head>
<body class='item-view'><div class='main section' id='main'><div class='widget Blog'><div class='post hentry'>
<h3 class='post-title entry-title'>Post {n}</h3><div class='post-body entry-content' id='post-body-{n}'>{body}</div>
<div class='post-footer'><span class='post-author vcard'>Posted by <span class='fn'>Blogger {n % 4}</span></span>
<abbr class='published' title='2024-04-{n % 28 + 1:02d}T09:00:00Z'>April</abbr></div></div>
<div class='comments' id='comments'><h4>5 comments:</h4><ol>{comments}</ol></div></div></div>
<div class='sidebar'>{widgets}</div><div class='widget Attribution'>Powered by Blogger.</div></body></html>"""


PLATFORMS = (wix_post, wordpress_post, blogger_post)


def make_site(root: Path, posts: int, base: str) -> list[str]:
    """Write the site; return the post URLs."""
    urls = []
    for n in range(posts):
        folder = root / f"post-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(PLATFORMS[n % 3](n, base, posts), encoding="utf-8")
        urls.append(f"{base}/post-{n}/")
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    (root / "sitemap.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )
    items = "".join(f"<item><title>Post {n}</title><link>{base}/post-{n}/</link></item>" for n in range(min(posts, 25)))
    (root / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'
    )
    (root / "robots.txt").write_text(f"User-agent: *\nSitemap: {base}/sitemap.xml\n")
    (root / "index.html").write_text(
        f"<html><head><link rel='alternate' type='application/rss+xml' href='{base}/feed.xml'></head><body class='home blog'><main>"
        + "".join(f"<a href='{base}/post-{n}/'>Post {n}</a> " for n in range(min(posts, 30)))
        + "</main></body></html>"
    )
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    args = parser.parse_args()
    make_site(args.out, args.posts, args.base)


if __name__ == "__main__":
    main()
