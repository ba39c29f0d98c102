"""Ghost: the generator tag, `gh-*` classes (Casper, Source and most themes), template body classes."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="ghost",
    generator=re.compile(r"^\s*ghost\b", re.I),
    signatures=(
        "script[src*='/ghost/']",
        "script[data-ghost]",
        "link[href*='/public/cards.min.css']",
        ".gh-content",
        ".gh-canvas",
    ),
    hosts=(".ghost.io",),
    body=(".gh-content", ".post-full-content .post-content", ".post-content", ".article-content", ".post-full-content"),
    prune=(
        ".article-byline",
        ".gh-article-meta",
        ".post-full-byline",
        ".gh-article-excerpt",
        ".article-excerpt",
        ".gh-subscribe",
        ".gh-cta",
        ".footer-cta",
        ".kg-signup-card",
        ".read-more-wrap",
        ".gh-read-next",
        ".post-read-next",
        ".gh-share",
        ".share-buttons",
        "#ghost-comments-root",
        ".gh-comments",
        "#ghost-portal-root",
        ".gh-portal-triggerbtn-wrapper",
        ".site-footer",
        ".gh-foot",
    ),
    comment_sections=("#ghost-comments-root", ".gh-comments", ".article-comments"),
    author=(
        ".article-byline-content .author-name a",
        ".gh-article-author-name a",
        ".author-name a",
        ".post-full-byline .author-name a",
    ),
    title=("h1.article-title", "h1.gh-article-title", "h1.post-full-title", "h1.post-title"),
    # themes show only the primary tag; Ghost writes every tag as article:tag meta
    counters=(("reading_time", ".byline-reading-time"), ("reading_time", ".gh-article-meta-length")),
    post_markers=("body.post-template",),
    listing_markers=("body.home-template", "body.tag-template", "body.author-template", "body.paged"),
    page_markers=("body.page-template",),
)
