"""Squarespace (7.0 and 7.1 templates): `blog-item-*` blocks, `sqs-*` blocks, view-item/view-list bodies."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="squarespace",
    generator=re.compile(r"squarespace", re.I),
    signatures=(
        "script[src*='static1.squarespace.com']",
        "link[href*='static1.squarespace.com']",
        "script[src*='assets.squarespace.com']",
        "meta[name='twitter:site'][content*='squarespace']",
        ".sqs-layout",
    ),
    hosts=(".squarespace.com",),
    body=(".blog-item-content", "article .entry-content", ".blog-item-content-wrapper", "article .sqs-layout"),
    prune=(
        ".blog-item-top-wrapper",
        ".blog-meta-section",
        ".blog-item-meta",
        ".blog-meta-item",
        ".blog-item-author-profile-wrapper",
        ".item-pagination",
        ".blog-item-pagination",
        ".pagination-wrapper",
        ".squarespace-comments",
        ".blog-item-comments",
        ".sqs-block-newsletter",
        ".newsletter-block",
        ".newsletter-form-wrapper",
        ".sqs-share-buttons",
        ".ss-social-button-wrapper",
        ".sqs-announcement-bar",
        ".sqs-cookie-banner-v2",
        "#header",
        "header.header",
        "#footer-sections",
        "footer.sections",
    ),
    comment_sections=(".squarespace-comments", ".blog-item-comments", "#comments"),
    author=(".blog-author-name", ".entry-author a", ".blog-item-author-profile-wrapper .author-name", ".author-name"),
    title=("h1.entry-title", ".blog-item-title h1", "h1.blog-title"),
    tags=(".blog-meta-item--tags a", ".entry-tags a", ".blog-item-tag-wrapper a"),
    categories=(".blog-meta-item--categories a", ".blog-categories a", ".entry-categories a"),
    post_markers=("body.view-item",),
    listing_markers=("body.view-list",),
)
