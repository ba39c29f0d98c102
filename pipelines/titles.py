"""A page's title, cleaned: without the site's name or host that themes and SEO plugins add
around it, reduced to the page's own headline where the <h1> says which part that is, and
without Markdown marks or quotes around it."""

from __future__ import annotations

import re
from itertools import islice
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .cleanup import normalize_space

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["as_headline", "clean_title", "plain_title", "strip_host_name", "strip_site_name"]


def clean_title(title: str | None, tree: HtmlElement, url: str, sitename: str | None) -> str | None:
    """The page's title as a reader would name it (see the module's docstring)."""
    title = strip_site_name(title, sitename)
    return plain_title(as_headline(strip_host_name(title, url), tree, sitename))


_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " · ", " :: ", " » ", ": ")


#: where a title is cut in two (a colon is part of titles: "Recipes: Ten tips")
_SPLITTING_SEPARATORS = tuple(sep for sep in _TITLE_SEPARATORS if sep != ": ")


def strip_site_name(title: str | None, sitename: str | None) -> str | None:
    """The title without the site name that SEO plugins and themes add before or after it."""
    if not title or not sitename:
        return title
    for sep in _TITLE_SEPARATORS:
        suffix, prefix = f"{sep}{sitename}", f"{sitename}{sep}"
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].strip()
        if title.startswith(prefix) and len(title) > len(prefix):
            return title[len(prefix) :].strip()
    return title


def strip_host_name(title: str | None, url: str) -> str | None:
    """The title without a last " | Site" part that names the host ("Ten tips |
    Slashdot" on slashdot.org): sites whose site name no meta tag states."""
    if not title:
        return title
    label = _host_label(url)
    for sep in _SPLITTING_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        squeezed = re.sub(r"[\W_]", "", tail).casefold()
        if found and head.strip() and len(label) >= 4 and squeezed and (label in squeezed or squeezed in label):
            return head.strip()
    return title


def _host_label(url: str) -> str:
    """The host's own name: "prusa3d" of blog.prusa3d.com, "bbc" of www.bbc.co.uk."""
    labels = (urlsplit(url).hostname or "").removeprefix("www.").split(".")
    if len(labels) >= 3 and len(labels[-2]) <= 3:  # co.uk, com.au
        return re.sub(r"[\W_]", "", labels[-3]).casefold()
    return re.sub(r"[\W_]", "", labels[-2]).casefold() if len(labels) >= 2 else ""


_MARKUP_AROUND = re.compile(r"^(#+\s+|[*_\"“”']+)|[*_\"“”']+$")


def plain_title(title: str | None) -> str | None:
    """The title without Markdown marks or quotes around it (`## Title`, `*Title*`,
    `"Title"`), which some sites put in their title tags."""
    if not title:
        return title
    stripped = title.strip()
    for _ in range(2):
        if (
            stripped.startswith("#")
            or stripped[:1] == stripped[-1:]
            and stripped[:1] in "*_\"'"
            or stripped[:1] == "“"
            and stripped[-1:] == "”"
        ):
            stripped = _MARKUP_AROUND.sub("", stripped).strip()
    return stripped or title


#: where a site puts its own name: its logo, a link home
_SITE_NAME_MARKS = re.compile(r"logo|site-?title|site-?name|brand|masthead", re.I)


def as_headline(title: str | None, tree: HtmlElement, sitename: str | None) -> str | None:
    """The title without what follows or precedes a separator, where the rest is the
    page's own headline: "Ten tips | Acme Tools" whose <h1> says "Ten tips" is "Ten
    tips", whatever the site calls itself. An <h1> that is the site's name (its logo,
    a link, the site name itself) is no headline; a colon is part of titles."""
    headline = next((h for h in (_headline_text(e, sitename) for e in tree.iter("h1")) if h), None)
    if not title or not headline or headline == title:
        return title
    wanted = headline.casefold()
    for sep in _SPLITTING_SEPARATORS:
        # the headline is the longer side: "Part 2 - The Oven" is one title, not "Part 2"
        for head, found, tail in (title.partition(sep), title.rpartition(sep)):
            if found and head.strip().casefold() == wanted and len(head.strip()) >= len(tail.strip()):
                return headline
            if found and tail.strip().casefold() == wanted and len(tail.strip()) >= len(head.strip()):
                return headline
    return title


def _headline_text(heading: HtmlElement, sitename: str | None) -> str | None:
    """An <h1>'s text, unless it names the site rather than the page."""
    text = normalize_space(heading.text_content())
    if not text or len(text) > 300 or sitename and text.casefold() == sitename.casefold():
        return None
    link = heading.find(".//a")
    if link is not None and len(normalize_space(link.text_content())) == len(text):
        return None  # a link: the logo's link home, or a teaser's title
    near = [heading, *islice(heading.iterancestors(), 2)]  # the heading, its parent and grandparent
    if any(_SITE_NAME_MARKS.search(f"{e.get('class', '')} {e.get('id', '')}") or e.tag == "a" for e in near):
        return None
    ancestors = [a.tag for a in heading.iterancestors()]
    if (
        "header" in ancestors
        and not {"article", "main"} & set(ancestors[: ancestors.index("header")])
        and "article" not in ancestors
    ):
        return None  # the page's banner, above any article: the site's name
    return text
