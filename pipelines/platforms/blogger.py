"""Blogger / Blogspot: classic (Simple, Awesome Inc.) and Contempo/Soho templates."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="blogger",
    generator=re.compile(r"^\s*blogger", re.I),
    signatures=(
        "link[href*='blogger.com/static']",
        "script[src*='blogger.com']",
        "link[rel='openid.server'][href*='blogger.com']",
        ".post-body.entry-content",
    ),
    hosts=(".blogspot.com", ".blogger.com"),
    body=(".post-body.entry-content", ".post-body"),
    prune=(
        ".post-header",
        ".post-footer",
        ".post-share-buttons",
        ".byline",
        ".post-labels",
        ".blog-pager",
        "#blog-pager",
        ".feed-links",
        ".sidebar",
        ".sidebar-container",
        ".widget:not(.Blog)",  # the Blog widget holds the posts themselves
        ".Attribution",
        ".PopularPosts",
        ".BlogArchive",
        ".Label",
        ".Profile",
        ".share-buttons",
        ".post-share-buttons-bottom",
        ".related-posts",
    ),
    comment_items=(".comment-content", ".comments .comment-body"),
    comment_sections=("#comments", ".comments", ".comment-thread"),
    author=(
        ".post-author .fn",
        ".post-author-name",
        ".byline.post-author .fn",
        ".post-author a",
        ".byline.post-author",
    ),
    title=("h3.post-title", "h1.post-title", ".post-title.entry-title"),
    tags=(".post-labels a", ".byline.post-labels a", ".labels a"),
    categories=(),
    post_markers=("body.item-view", "body.item", ".post-outer .post-body + .post-footer .comment-link"),
    listing_markers=("body.index-view", "body.feed-view", "body.archive-view", "body.label-view"),
    page_markers=("body.static_page", "body.page-view"),
    # Blogger's own URL scheme: posts are /YYYY/MM/slug.html, static pages /p/slug.html
    post_path=re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$"),
    listing_path=re.compile(r"^/(search(/|$)|\d{4}/(\d{2}/)?$)"),
)
