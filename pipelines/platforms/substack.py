"""Substack (*.substack.com and custom domains): `available-content`, `body markup`."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="substack",
    generator=re.compile(r"substack", re.I),
    signatures=(
        "link[href*='substackcdn.com']",
        "script[src*='substackcdn.com']",
        "meta[property='og:image'][content*='substackcdn.com']",
        ".available-content",
        "[data-component-name='SubscribeWidgetToDOM']",
    ),
    hosts=(".substack.com",),
    body=(".available-content .body.markup", ".body.markup", ".available-content"),
    prune=(
        ".subscription-widget-wrap",
        ".subscription-widget-wrap-editor",
        ".subscription-widget",
        "[data-component-name='SubscribeWidgetToDOM']",
        "[data-component-name='ButtonCreateButton']",
        ".captioned-button-wrap",
        ".button-wrapper",
        ".subscribe-widget",
        ".paywall",
        ".paywall-jump",
        ".post-ufi",
        ".post-footer",
        ".share-dialog",
        ".footnote-anchor",
        ".single-post-section",
        ".post-header .subtitle",
    ),
    comment_items=(".comment-body", ".comment .comment-content"),
    comment_sections=(".comments-section", ".comments-page", ".comment-list", "#discussion"),
    author=(".byline-names a", ".post-header .profile-hover-card-target a", ".post-header [class*='byline'] a"),
    title=("h1.post-title",),
    counters=(
        ("like_count", ".like-button-container .label"),
        ("comment_count", ".post-ufi-comment-button .label"),
    ),
    post_markers=(".single-post", "h1.post-title"),
    post_path=re.compile(r"/p/[^/]+/?$"),
    listing_path=re.compile(r"/(archive|s/[^/]+)/?$"),
)
