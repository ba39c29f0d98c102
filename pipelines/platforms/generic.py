"""Rules for every page, whatever its platform: common boilerplate by structure."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="generic",
    body=("[itemprop='articleBody']", "article .post-content", "article .entry-content", "main article"),
    prune=(
        "a.skip-link",
        "a[href^='#'][class*='skip']",
        ".screen-reader-text",
        ".sr-only",
        ".visually-hidden",
        "[aria-label='breadcrumb']",
        ".breadcrumbs",
        ".breadcrumb",
        "[role='complementary']",
        "[role='navigation']",
        "nav",
        "aside",
    ),
    comment_items=(".comment-content", "[itemprop='comment'] [itemprop='text']"),
    comment_sections=("#comments", ".comments", "#disqus_thread", "[itemprop='comment']"),
    author=(
        "[rel='author']",
        "[itemprop='author'] [itemprop='name']",
        "[itemprop='author']",
        ".author-name",
        ".post-author",
    ),
    title=(),
    tags=("a[rel~='tag']",),
    categories=("a[rel~='category']",),
    post_markers=(),
    listing_markers=(),
)

#: class or id words that mark boilerplate blocks on any site
BOILERPLATE_WORDS = re.compile(
    r"(?:^|[-_\s])(share|sharing|social|related|recent-posts|popular-posts|newsletter|subscribe|"
    r"cookie|cookies|consent|gdpr|author-box|author-bio|breadcrumbs?|sidebar|advert|ads|"
    r"promo|comments?)(?:$|[-_\s])",
    re.I,
)

#: a block whose whole text is a counter: "120 views", "0 comments", "3 min read", "12 likes"
COUNTER_TEXT = re.compile(
    r"^\s*(\d[\d.,]*\s*[kKmM]?\s*(views?|likes?|comments?|shares?|reads?|replies|reply|min(ute)?s?\s+read)\s*)+$",
    re.I,
)
