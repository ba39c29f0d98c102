"""Extraction as a pure function, judged on platform fixture pages written independently
of the rules (tests/fixtures/pages, expected values in expected.json)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import lxml.html
import pytest

from pipelines.cleanup import block_text, prune
from pipelines.document import NoContent, extract_document
from pipelines.metadata import clean_author, parse_date
from pipelines.platforms import detect_platform

from .conftest import FIXTURES

PAGES = FIXTURES / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text())


def extracted(name: str):
    return extract_document((PAGES / name).read_text(encoding="utf-8"), f"https://blog.example/{name}")


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def case(request):
    return request.param, EXPECTED[request.param], extracted(request.param)


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_body_is_kept(case):
    name, expected, doc = case
    for sentence in expected["must_contain"]:
        assert squeeze(sentence) in squeeze(doc.text), sentence


def test_boilerplate_is_gone(case):
    name, expected, doc = case
    for junk in expected["must_not_contain"]:
        assert squeeze(junk) not in squeeze(doc.text), junk


def test_platform_and_page_type(case):
    name, expected, doc = case
    assert doc.platform == expected["platform"]
    assert doc.page_type == expected["page_type"]


def test_metadata(case):
    name, expected, doc = case
    if expected["page_type"] != "post":
        return
    assert doc.title == expected["title"]
    assert doc.author == expected["author"]
    assert (doc.published.date().isoformat() if doc.published else None) == expected["published"]
    assert sorted(t.lower() for t in doc.tags) == sorted(t.lower() for t in expected["tags"])


def test_comments_are_apart_from_the_text(case):
    name, expected, doc = case
    assert len(doc.comments) == expected["comments"]
    for comment in doc.comments:
        assert squeeze(comment)[:60] not in squeeze(doc.text)


# --- the parts, on small inputs ------------------------------------------------


def test_dates_are_utc_and_plausible():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_date("2024-05-01T10:00:00+02:00", now) == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert parse_date("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=timezone.utc)
    assert parse_date("2024-05-01T10:00:00Z", now).tzinfo is not None
    assert parse_date("1994-12-31", now) is None
    assert parse_date("2027-01-01", now) is None
    assert parse_date("yesterday", now) is None
    assert parse_date("2024-13-45", now) is None


@pytest.mark.parametrize("label", ["Writer's picture", "By", "by:", "Posted by", "admin", "  ", None])
def test_labels_are_not_authors(label):
    assert clean_author(label) is None


def test_author_cleaning():
    assert clean_author("By Jane Roe") == "Jane Roe"
    assert clean_author("Posted by Jane Roe") == "Jane Roe"
    assert clean_author("Daily Notes", sitename="Daily Notes") is None
    assert clean_author("Pat", rejected={"Pat"}) is None
    assert clean_author("https://blog.example/author/jane") is None


@pytest.mark.parametrize(
    ("head", "platform"),
    [
        ('<meta name="generator" content="Wix.com Website Builder">', "wix"),
        ('<meta name="generator" content="WordPress 6.4.2">', "wordpress"),
        ("<meta content='blogger' name='generator'>", "blogger"),
        ('<link rel="stylesheet" href="/wp-content/themes/x/style.css">', "wordpress"),
        ("", None),
    ],
)
def test_platform_detection(head, platform):
    tree = lxml.html.document_fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>")
    profile = detect_platform(tree, "https://example.org/")
    assert (profile.name if profile else None) == platform


def test_platform_detection_by_host():
    tree = lxml.html.document_fromstring("<html><body><p>x</p></body></html>")
    assert detect_platform(tree, "https://someone.blogspot.com/2024/01/x.html").name == "blogger"


def test_pruning_never_removes_the_body_or_what_holds_it():
    tree = lxml.html.document_fromstring(
        '<html><body><div class="sidebar-layout"><div class="entry-content"><p>Body text stays.</p>'
        '<div class="share-buttons">Share on X</div></div></div><span>12 views</span></body></html>'
    )
    body = tree.cssselect(".entry-content")[0]
    prune(tree, None, keep=body)
    text = tree.text_content()
    assert "Body text stays." in text
    assert "Share on X" not in text and "12 views" not in text


def test_block_text_splits_paragraphs_and_breaks():
    element = lxml.html.fragment_fromstring("<div>First line<br>second line<p>Para <b>bold</b> end</p>tail</div>")
    assert block_text(element) == "First line\nsecond line\nPara bold end\ntail"


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "<html><body><nav>Home</nav></body></html>"])
def test_pages_without_main_text_raise_no_content(html):
    with pytest.raises(NoContent):
        extract_document(html, "https://blog.example/")


def test_title_line_is_not_repeated_in_text():
    html = ("<html><head><title>My Title</title><meta property='og:title' content='My Title'></head><body><article>"
            "<h1>My Title</h1><p>" + "The body of the post goes on for a while. " * 5 + "</p></article></body></html>")
    doc = extract_document(html, "https://blog.example/p")
    assert doc.title == "My Title"
    assert not doc.text.startswith("My Title")


def test_site_name_is_a_name_not_the_host():
    html = "<html><body><article><p>" + "Words of a post without any site name at all. " * 6 + "</p></article></body></html>"
    assert extract_document(html, "https://www.blog.example:8080/p").sitename is None
    named = html.replace("<html>", "<html><head><meta property='og:site_name' content='Notes'></head>")
    assert extract_document(named, "https://blog.example/p").sitename == "Notes"
