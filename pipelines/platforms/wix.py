"""Wix (Thunderbolt renderer, Wix Blog app): marked by `data-hook` attributes."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="wix",
    generator=re.compile(r"^\s*wix\.com", re.I),
    signatures=(
        "#SITE_CONTAINER",
        "script#wix-viewer-model",
        "script#wix-warmup-data",
        "[data-hook='post-page']",
        "link[href*='parastorage.com']",
    ),
    hosts=(".wixsite.com", ".wixstudio.io"),
    body=(
        "[data-hook='post-description'] [data-id='rich-content-viewer']",
        "[data-hook='post-description']",
        "[data-id='rich-content-viewer']",
        ".post-content__body",
    ),
    prune=(
        # screen-reader skip regions: "top of page" / "bottom of page"
        "#SCROLL_TO_TOP",
        "#SCROLL_TO_BOTTOM",
        "[role='region'][aria-label='top of page']",
        "[role='region'][aria-label='bottom of page']",
        # author avatar, name, date and reading time above the post
        "[data-hook='avatar-image']",
        "[data-hook*='avatar']",
        "[data-hook='user-name']",
        "[data-hook='time-ago']",
        "[data-hook*='time-to-read']",
        "[data-hook='post-metadata']",
        # counters, likes, share bar, footer, more posts
        "[data-hook*='view-count']",
        "[data-hook*='views-count']",
        "[data-hook*='comment-count']",
        "[data-hook*='comments-count']",
        "[data-hook*='like-button']",
        "[data-hook*='like-count']",
        "[data-hook='post-stats']",
        "[data-hook='post-footer']",
        "[data-hook='post-main-actions']",
        "[data-hook*='share']",
        "[data-hook='recent-posts']",
        "[data-hook*='related-posts']",
        "[data-hook='see-all-link']",
        "[data-hook='tag-list']",
        "[data-hook*='tags']",
        "#SITE_HEADER",
        "#SITE_FOOTER",
        ".post-stats",
        ".post-footer",
    ),
    comment_items=(
        "[data-hook='comment'] [data-hook*='content']",
        "[data-hook='comment-content']",
        "[data-hook='comment-body']",
    ),
    comment_sections=(
        "[data-hook='comments-root']",
        "[data-hook*='comments']",
        "#comments",
    ),
    author=("[data-hook='user-name']", "[data-hook*='author-name']"),
    title=("[data-hook='post-title']",),
    tags=("[data-hook='tag-list'] a", "[data-hook*='tags'] a", "[data-hook='hashtag']"),
    categories=("[data-hook*='categories'] a",),
    counters=(
        ("view_count", "[data-hook*='view-count']"),
        ("comment_count", "[data-hook*='comment-count']"),
        ("like_count", "[data-hook*='like-count']"),
        ("reading_time", "[data-hook*='time-to-read']"),
    ),
    post_markers=("[data-hook='post-page']", "[data-hook='post']", "[data-hook='post-title']"),
    listing_markers=("[data-hook='post-list']", "[data-hook='blog-list']"),
    # Wix Blog's URL scheme: posts under /post/, lists under /blog (categories, hashtags, pages)
    post_path=re.compile(r"/post/[^/]+/?$"),
    listing_path=re.compile(r"/blog(/(categories|hashtags|page)/.*)?/?$"),
)
