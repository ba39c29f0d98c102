"""The one module that calls trafilatura and htmldate.

Besides trafilatura's public `bare_extraction`, extraction uses its metadata heuristics
one field at a time (run whole, they cost a third of a page's extraction time), and those
functions are outside trafilatura's `__all__`: a minor release may rename them. So they
are reached only through here, and pyproject.toml bounds trafilatura to the minor
version the extraction-quality figures were measured with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import trafilatura
from htmldate import find_date
from trafilatura.metadata import extract_author, extract_catstags, extract_sitename, extract_title
from trafilatura.settings import set_date_params

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["guess_author", "guess_date", "guess_sitename", "guess_terms", "guess_title", "main_text"]


def main_text(source: HtmlElement, url: str, favor_recall: bool = False) -> str:
    """trafilatura's main text of a page (it works on copies of `source`), or ''."""
    result = trafilatura.bare_extraction(
        source,
        url=url,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
        favor_recall=favor_recall,
    )
    return getattr(result, "text", None) or ""  # a Document (as_dict is off), or None


def guess_title(tree: HtmlElement) -> str | None:
    return extract_title(tree)


def guess_author(tree: HtmlElement) -> str | None:
    return extract_author(tree)  # works on its own copy


def guess_date(tree: HtmlElement, url: str) -> str | None:
    """htmldate's date of the page (ISO 8601), as trafilatura asks for it in its extended mode."""
    return find_date(tree, **{**set_date_params(True), "url": url})  # works on its own copy


def guess_sitename(tree: HtmlElement) -> str | None:
    return extract_sitename(tree)


def guess_terms(kind: str, tree: HtmlElement) -> list[str]:
    """The page's categories (`kind` "category") or tags ("tag")."""
    return list(extract_catstags(kind, tree) or [])
