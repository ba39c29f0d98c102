"""Tumblr (*.tumblr.com and custom domains): themes differ; the post, notes and tags classes are common."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="tumblr",
    signatures=(
        "link[href*='assets.tumblr.com']",
        "script[src*='assets.tumblr.com']",
        "iframe.tmblr-iframe",
        "#tumblr_controls",
        "meta[property='al:android:package'][content='com.tumblr']",
    ),
    hosts=(".tumblr.com",),
    body=(".post .post-content", ".post-content", ".post .body-text", ".post .body", ".post .caption", ".post .text"),
    prune=(
        "#tumblr_controls",
        "iframe.tmblr-iframe",
        ".tmblr-iframe",
        ".notes",
        ".post-notes",
        "ol.notes",
        ".note-count",
        ".notes-count",
        ".post-meta",
        ".post-footer",
        ".post-tags",
        ".tags",
        ".reblog",
        ".reblog-button",
        ".like-button",
        ".share",
        ".post-share",
        ".pagination",
    ),
    comment_sections=(".notes", ".post-notes", "ol.notes"),
    author=(".post-author a", ".reblog-author", ".post-meta .author"),
    title=("h1.post-title", ".post h1.title", ".post h2.title", ".post-title"),
    tags=(".post-tags a", ".tags a[href*='/tagged/']", "a[href*='/tagged/']"),
    counters=(("like_count", ".note-count"), ("like_count", ".notes-count"), ("like_count", "a.notes")),
    post_markers=("body.permalink-page", "body.permalink"),
    listing_markers=("body.index-page",),
    post_path=re.compile(r"/post/\d+(/[^/]*)?/?$"),
    listing_path=re.compile(r"/(tagged|page|archive|search)(/|$)"),
)
