"""Medium (medium.com and custom domains): `pw-*` classes and `data-testid` marks."""

from __future__ import annotations

import re

from .base import PlatformProfile

PROFILE = PlatformProfile(
    name="medium",
    signatures=(
        "meta[property='al:android:package'][content='com.medium.reader']",
        "meta[name='twitter:app:name:iphone'][content='Medium']",
        "link[href*='cdn-client.medium.com']",
        "script[src*='cdn-client.medium.com']",
        "h1.pw-post-title",
    ),
    hosts=("medium.com",),
    body=("article section", "article"),
    prune=(
        # the byline block above the post: avatar, name, follow, read time, date, claps, share
        "[data-testid='authorPhoto']",
        "[data-testid='authorName']",
        "[data-testid='publicationName']",
        "[data-testid='storyReadTime']",
        "[data-testid='storyPublishDate']",
        "[data-testid='headerClapButton']",
        "[data-testid='headerBookmarkButton']",
        "[data-testid='headerSocialShareButton']",
        "[data-testid='audioPlayButton']",
        "[data-testid='footerClapButton']",
        "[data-testid='footerSocialShareButton']",
        ".pw-multi-vote-count",
        ".pw-responses-count",
        ".speechify-ignore",
        "[aria-label='responses']",
        # "More from", "Recommended from Medium", the sign-up nag
        "[data-testid='post-sidebar']",
        "[data-testid='moreFromAuthor']",
        "[data-testid='recommendedStories']",
        "[data-testid='signUpModal']",
    ),
    comment_items=("[data-testid='response'] pre", "[data-testid='response']"),
    comment_sections=("[data-testid='responses']",),
    author=("[data-testid='authorName']", "a[data-testid='authorName']"),
    title=("h1[data-testid='storyTitle']", "h1.pw-post-title"),
    tags=("a[href*='/tag/']",),
    counters=(
        ("reading_time", "[data-testid='storyReadTime']"),
        ("like_count", ".pw-multi-vote-count"),
        ("comment_count", ".pw-responses-count"),
    ),
    post_markers=("h1[data-testid='storyTitle']", "h1.pw-post-title"),
    # posts end in a 12-hex-digit id: /@writer/a-title-1a2b3c4d5e6f
    post_path=re.compile(r"-[0-9a-f]{10,16}/?$"),
    listing_path=re.compile(r"/(tag|tagged|archive|lists)(/|$)"),
)
