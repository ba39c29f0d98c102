"""Platform profiles and detection. Adding a platform is one module and one line here."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import blogger, generic, ghost, medium, squarespace, substack, tumblr, wix, wordpress
from .base import PlatformProfile
from .selectors import IndexedTree, compiled_xpath

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: detection tries them in this order (generator tag, then host, then markup signature)
PROFILES: tuple[PlatformProfile, ...] = (
    wix.PROFILE,
    wordpress.PROFILE,
    blogger.PROFILE,
    medium.PROFILE,
    substack.PROFILE,
    ghost.PROFILE,
    squarespace.PROFILE,
    tumblr.PROFILE,
)
GENERIC = generic.PROFILE

__all__ = ["GENERIC", "PROFILES", "IndexedTree", "PlatformProfile", "detect_platform", "select", "select_first"]


def select(tree: HtmlElement | IndexedTree, selectors: tuple[str, ...]) -> list[HtmlElement]:
    """Elements matching any of `selectors`, in document order, without repeats.

    Give an `IndexedTree` where a page is asked many selectors; a plain tree is
    searched with one XPath union.
    """
    if not selectors:
        return []
    if isinstance(tree, IndexedTree):
        return tree.select(selectors)
    return compiled_xpath(", ".join(selectors))(tree)


def select_first(tree: HtmlElement | IndexedTree, selectors: tuple[str, ...]) -> HtmlElement | None:
    """The first match of the most specific selector that matches."""
    if isinstance(tree, IndexedTree):
        return tree.select_first(selectors)
    for selector in selectors:
        matches = compiled_xpath(selector)(tree)
        if matches:
            return matches[0]
    return None


def detect_platform(tree: HtmlElement, url: str | None = None) -> PlatformProfile | None:
    """The profile whose generator tag, host or markup signature the page carries."""
    generators = [g for g in tree.xpath("//meta[translate(@name,'GENERATOR','generator')='generator']/@content")]
    for profile in PROFILES:
        if profile.generator and any(profile.generator.search(g) for g in generators):
            return profile
    host = (urlsplit(url).hostname or "") if url else ""
    for profile in PROFILES:
        if host and any(host == s.lstrip(".") or host.endswith("." + s.lstrip(".")) for s in profile.hosts):
            return profile
    for profile in PROFILES:
        if select_first(tree, profile.signatures) is not None:
            return profile
    return None
