"""The indexed selector look-ups give exactly what lxml's CSSSelector gives."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from lxml.cssselect import CSSSelector

from blogarchive.pipelines import cleanup, maintext
from blogarchive.pipelines.platforms import GENERIC, PROFILES, IndexedTree, select, select_first

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((FIXTURES / "pages").glob("*.html")) + sorted((ROOT / "crawler" / "demo" / "site").rglob("*.html"))

PROFILE_SELECTORS = sorted(
    {
        selector
        for profile in (*PROFILES, GENERIC)
        for name in (
            "signatures",
            "body",
            "prune",
            "comment_items",
            "comment_sections",
            "author",
            "title",
            "tags",
            "categories",
            "post_markers",
            "listing_markers",
            "page_markers",
        )
        for selector in getattr(profile, name)
    }
    | set(cleanup._COMMENT_AUTHORS)
    | set(maintext._MAIN_REGION)
)

#: every operator and combinator the index answers itself, and some it leaves to lxml
SYNTHETIC = (
    "p",
    "*",
    "div.a",
    ".a.b",
    "#x",
    "div#x.a",
    "[data-k]",
    "[data-k='v 1']",
    "[rel~='tag']",
    "[rel~='ta']",
    "[href^='/t']",
    "[href$='.html']",
    "[href*='ag/']",
    "[lang|='en']",
    "div > p",
    "div p",
    ".a .b > span",
    "section > .a span",
    "p:first-child",
    "p + p",
    "div ~ p",
    ":not(p)",
    "a[href^='']",
    "[class*='-b']",
)
SNIPPET = """<html><body>
<div id="x" class="a  b" data-k="v 1"><p lang="en-GB">one <span class="b">s</span></p><p>two</p></div>
<section><div class="a"><p class="b"><span>deep</span></p></div><a rel="tag other" href="/tag/x.html">t</a></section>
<p class="a-b" lang="en">three</p><!-- a comment --><a href="/page.html">p</a>
</body></html>"""


def page_tree(path: Path):
    tree = lxml.html.document_fromstring(path.read_text(encoding="utf-8", errors="replace"))
    etree.strip_elements(tree, "script", "style", "noscript", "template", with_tail=False)
    return tree


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_profile_selectors_match_as_lxml_does(path):
    tree = page_tree(path)
    index = IndexedTree(tree)
    for selector in PROFILE_SELECTORS:
        expected = CSSSelector(selector)(tree)
        assert index.select((selector,)) == expected, selector
        assert index.select_first((selector,)) is (expected[0] if expected else None), selector


def test_the_pages_exercise_most_rules():
    matched = {s for path in PAGES for s in PROFILE_SELECTORS if CSSSelector(s)(page_tree(path))}
    assert len(matched) >= len(PROFILE_SELECTORS) // 2


def test_operators_and_combinators_match_as_lxml_does():
    tree = lxml.html.document_fromstring(SNIPPET)
    index = IndexedTree(tree)
    for selector in SYNTHETIC:
        assert index.select((selector,)) == CSSSelector(selector)(tree), selector


def test_groups_come_in_document_order_without_repeats():
    tree = lxml.html.document_fromstring(SNIPPET)
    index = IndexedTree(tree)
    group = ("span", ".b", "#x", "p")
    assert index.select(group) == CSSSelector(", ".join(group))(tree)
    assert select(index, group) == select(tree, group)
    # the most specific selector that matches wins, not the first element in the page
    assert (
        select_first(index, ("section p", "p"))
        is select_first(tree, ("section p", "p"))
        is tree.cssselect("section p")[0]
    )
