"""What a platform profile is: a table of CSS selectors, no code.

A profile says how to recognise its platform on a page and what its markup
means: where the post body is, what to prune, where reader comments, the author
and the tags are, and which marks say "this is one post" or "this is a list".
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformProfile:
    name: str
    #: matches the content of <meta name="generator">
    generator: re.Pattern[str] | None = None
    #: CSS selectors, any of which marks a page of this platform
    signatures: tuple[str, ...] = ()
    #: host name suffixes served only by this platform
    hosts: tuple[str, ...] = ()
    #: where the post body is, most specific first
    body: tuple[str, ...] = ()
    #: boilerplate to remove before extraction
    prune: tuple[str, ...] = ()
    #: one element per reader comment (its text becomes one `comments` entry)
    comment_items: tuple[str, ...] = ()
    #: the comment section as a whole (removed after the comments are read)
    comment_sections: tuple[str, ...] = ()
    #: the post author's name
    author: tuple[str, ...] = ()
    #: the post title
    title: tuple[str, ...] = ()
    #: links or labels of the post's tags
    tags: tuple[str, ...] = ()
    #: links or labels of the post's categories
    categories: tuple[str, ...] = ()
    #: (kind, selector) of the elements that show the post's counters; kind is one of
    #: comment_count, view_count, like_count, reading_time
    counters: tuple[tuple[str, str], ...] = ()
    #: marks of a single-post page
    post_markers: tuple[str, ...] = ()
    #: marks of an index, tag, category or archive page
    listing_markers: tuple[str, ...] = ()
    #: marks of a static page (about, contact): page type `other`
    page_markers: tuple[str, ...] = ()
    #: URL paths the platform gives single posts
    post_path: re.Pattern[str] | None = None
    #: URL paths the platform gives listings (labels, archives, search)
    listing_path: re.Pattern[str] | None = None
