"""Extraction as a pure function, judged on platform fixture pages written independently
of the rules (tests/fixtures/pages, expected values in expected.json)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import lxml.html
import pytest

from blogarchive.pipelines.bylines import clean_author
from blogarchive.pipelines.cleanup import block_text, prune, visible_text
from blogarchive.pipelines.counters import COUNTER_KINDS, counter_value, statistic_counts
from blogarchive.pipelines.dates import parse_date, parse_feed_date
from blogarchive.pipelines.document import NoContent, extract_document
from blogarchive.pipelines.language import text_language
from blogarchive.pipelines.maintext import largest_block
from blogarchive.pipelines.platforms import PROFILES, detect_platform
from blogarchive.pipelines.platforms.generic import COUNTER_TEXT
from blogarchive.pipelines.worker import extract_page

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


def test_counters_are_columns_not_text(case):
    name, expected, doc = case
    stated = expected.get("counts", {})
    for kind in COUNTER_KINDS:
        if kind in stated:
            assert getattr(doc, kind) == stated[kind], kind
    if stated:
        assert not any(COUNTER_TEXT.match(line) for line in doc.text.splitlines())


def test_every_platform_has_a_fixture_that_finds_it():
    platforms = {expected["platform"] for expected in EXPECTED.values()}
    assert {profile.name for profile in PROFILES} <= platforms


# --- the parts, on small inputs ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("120 views", "view_count", 120),
        ("1.2K views", "view_count", 1200),
        ("1,234 likes", "like_count", 1234),
        ("0 comments", "comment_count", 0),
        ("• 5 min read", "reading_time", 5),
        ("Reading time: 4 minutes", "reading_time", 4),
        ("23", "comment_count", 23),
        ("312 notes", "like_count", 312),
        ("views", "view_count", None),
        ("about 3 views", "view_count", None),
    ],
)
def test_counter_texts(text, kind, value):
    assert counter_value(kind, text) == value


def test_structured_counters():
    article = {
        "interactionStatistic": [
            {
                "@type": "InteractionCounter",
                "interactionType": "https://schema.org/LikeAction",
                "userInteractionCount": 5,
            },
            {"interactionType": {"@type": "CommentAction"}, "userInteractionCount": "3"},
            {"interactionType": "http://schema.org/WatchAction", "userInteractionCount": -1},
        ],
        "timeRequired": "PT1H5M",
    }
    assert statistic_counts(article) == {"like_count": 5, "comment_count": 3, "reading_time": 65}


def _post(body: str, head: str = "") -> str:
    return f"<html lang='en'><head><title>A post</title>{head}</head><body>{body}</body></html>"


LONG = " ".join(
    f"Sentence {n} of a long paragraph about gardens, rivers and trains, written to be kept." for n in range(12)
)


def test_marked_body_wins_when_trafilatura_cuts_it_short():
    # a platform-marked body whose paragraphs trafilatura would mostly drop (short lines in divs)
    lines = "".join(f"<div>Line {n} of a poem about the sea and the harbour lights</div>" for n in range(30))
    html = _post(
        f"<article><div class='entry-content'>{lines}</div></article>",
        '<meta name="generator" content="WordPress 6.4">',
    )
    doc = extract_document(html, "https://blog.example/a-poem/")
    assert doc.extractor in ("trafilatura", "marked_body")
    assert "Line 29 of a poem" in doc.text and "Line 0 of a poem" in doc.text


def test_extractor_is_recorded():
    paragraphs = "".join(f"<p>{n}: {LONG}</p>" for n in range(3))
    assert (
        extract_document(_post(f"<main><article>{paragraphs}</article></main>"), "https://blog.example/x/").extractor
        == "trafilatura"
    )
    listing = (PAGES / "listing_wordpress_category.html").read_text(encoding="utf-8")
    assert extract_document(listing, "https://blog.example/category/x/").extractor == "listing"


def test_largest_block_is_the_unmarked_body():
    html = _post(f"<nav><p>Home</p></nav><div id='x'><p>{LONG}</p><p>{LONG}</p></div><div><p>Short aside.</p></div>")
    tree = lxml.html.document_fromstring(html)
    assert largest_block(tree).get("id") == "x"


def test_language_is_read_from_the_text_when_the_declaration_is_wrong():
    german = " ".join(
        ["Der Fluss war im Winter zugefroren, und die Kinder liefen jeden Morgen über das Eis zur Schule."] * 4
    )
    doc = extract_document(_post(f"<article><p>{german}</p><p>{german}</p></article>"), "https://blog.example/de/")
    assert doc.language == "de"  # the page says lang='en'
    assert text_language("Kurz.", "en") == "en"  # too short to overrule the page
    assert text_language(LONG, "en") == "en"
    assert text_language(LONG, None) == "en"


def test_extraction_time_limit_gives_an_outcome():
    html = (PAGES / "wix_recipe.html").read_text(encoding="utf-8")
    result = extract_page(html, "https://blog.example/post/x", timeout=0.000001)
    assert result.outcome == "extract_timeout" and "longer than" in result.value
    assert extract_page(html, "https://blog.example/post/x", timeout=30).outcome == "ok"


def test_dates_are_utc_and_plausible():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_date("2024-05-01T10:00:00+02:00", now) == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert parse_date("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=timezone.utc)
    assert parse_date("2024-05-01T10:00:00Z", now).tzinfo is not None
    assert parse_date("1994-12-31", now) is None
    assert parse_date("2027-01-01", now) is None
    assert parse_date("yesterday", now) is None
    assert parse_date("2024-13-45", now) is None


def test_one_date_parser_serves_pages_sitemaps_and_feeds():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_date("Tue, 10 Jun 2003 04:00:00 GMT", now) == datetime(2003, 6, 10, 4, tzinfo=timezone.utc)
    assert parse_date("1990-01-01", now) is None  # a page's own date: implausible
    assert parse_feed_date("1990-01-01") == datetime(1990, 1, 1, tzinfo=timezone.utc)  # a sitemap's: as given
    feed = parse_feed_date("Tue, 10 Jun 2003 06:00:00 +0200")
    assert feed == datetime(2003, 6, 10, 4, tzinfo=timezone.utc) and feed.tzinfo == timezone.utc
    assert parse_feed_date("2024-05-01T10:00:00+02:00") == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert parse_feed_date("not a date") is None and parse_feed_date(None) is None
    # a sitemap's or feed's date is read exactly or not at all: cut to its day, it would fall
    # before the last capture and spare a page that changed that day
    for inexact in ("2026-11-29T23:49:30 GMT", "2024-03-10T24:00:00Z", "2024-03-10T15:00:00 +0000 (UTC)"):
        assert parse_feed_date(inexact) is None, inexact
    assert parse_date("2024-03-10T15:00:00 +0000 (UTC)", now) == datetime(2024, 3, 10, tzinfo=timezone.utc)  # a page's


@pytest.mark.parametrize("label", ["Writer's picture", "By", "by:", "Posted by", "admin", "  ", None])
def test_labels_are_not_authors(label):
    assert clean_author(label) is None


def test_author_cleaning():
    assert clean_author("By Jane Roe") == "Jane Roe"
    assert clean_author("Posted by Jane Roe") == "Jane Roe"
    assert clean_author("Pat", rejected={"Pat"}) is None
    assert clean_author("https://blog.example/author/jane") is None
    assert clean_author("Post author By Jane Roe") == "Jane Roe"
    assert clean_author("Authority Figure") == "Authority Figure"


def test_screen_reader_labels_are_not_read_as_text():
    element = lxml.html.fragment_fromstring(
        '<li class="post-author"><span class="screen-reader-text">Post author</span><span>By <a href="/author/j/">Jane Roe</a></span></li>'
    )
    assert visible_text(element) == "By Jane Roe"


@pytest.mark.parametrize(
    ("head", "platform"),
    [
        ('<meta name="generator" content="Wix.com Website Builder">', "wix"),
        ('<meta name="generator" content="WordPress 6.4.2">', "wordpress"),
        ("<meta content='blogger' name='generator'>", "blogger"),
        ('<link rel="stylesheet" href="/wp-content/themes/x/style.css">', "wordpress"),
        ('<meta name="generator" content="Ghost 5.82">', "ghost"),
        ('<meta property="al:android:package" content="com.medium.reader">', "medium"),
        ('<link rel="preconnect" href="https://substackcdn.com">', "substack"),
        ('<script src="https://static1.squarespace.com/static/x.js"></script>', "squarespace"),
        ('<link rel="stylesheet" href="https://assets.tumblr.com/fonts/x.css">', "tumblr"),
        ('<meta name="generator" content="Hugo 0.125">', None),
        ("", None),
    ],
)
def test_platform_detection(head, platform):
    tree = lxml.html.document_fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>")
    profile = detect_platform(tree, "https://example.org/")
    assert (profile.name if profile else None) == platform


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://someone.blogspot.com/2024/01/x.html", "blogger"),
        ("https://medium.com/@a/b-1a2b3c4d5e6f", "medium"),
        ("https://writer.medium.com/x", "medium"),
        ("https://notmedium.com/x", None),
        ("https://letters.substack.com/p/x", "substack"),
        ("https://fieldnotes.tumblr.com/post/1", "tumblr"),
        ("https://someone.wixsite.com/blog/post/x", "wix"),
    ],
)
def test_platform_detection_by_host(url, platform):
    tree = lxml.html.document_fromstring("<html><body><p>x</p></body></html>")
    profile = detect_platform(tree, url)
    assert (profile.name if profile else None) == platform


def _deeply_nested(depth: int) -> str:
    return (
        "<html><body>"
        + "<div>" * depth
        + "<p>Deep text about rivers and bridges.</p>"
        + "</div>" * depth
        + "</body></html>"
    )


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(
            "<html><body>" + "<nav><ul>" + "<li><a href='/x'>Menu item</a></li>" * 3000 + "</ul></nav></body></html>",
            id="all-navigation",
        ),
        pytest.param(_deeply_nested(5000), id="nested-5000"),
        pytest.param(
            "<html><body><article>"
            + "<p>"
            + "A long paragraph about winter harbours. " * 40
            + "</p>" * 1500
            + "</article></body></html>",
            id="huge-3MB",
        ),
        pytest.param(
            "<html><body><div><p>Unclosed <b>bold <i>italic <table><tr><td>cell</div></p></span>" * 500, id="broken"
        ),
        pytest.param(
            "<html lang='ja'><body><article>"
            + "<p>"
            + "川沿いの小さな町で、冬の朝に古い橋を渡って市場へ行きました。" * 20
            + "</p>" * 5
            + "</article></body></html>",
            id="japanese",
        ),
        pytest.param(
            "<html lang='ar' dir='rtl'><body><article>"
            + "<p>"
            + "ذهبنا إلى السوق القديم في الصباح الباكر وعبرنا الجسر فوق النهر. " * 20
            + "</p>" * 5
            + "</article></body></html>",
            id="arabic",
        ),
        pytest.param(
            "<html><body><p>\ud800 bad surrogate \x00 nul \ufffd replacement</p></body></html>", id="odd-characters"
        ),
        pytest.param(
            "<html><body><article><p>Control \x1f characters \x01 in \x0b a paragraph about harbours, "
            "ferries and the winter light, long enough to keep.</p></article></body></html>",
            id="control-characters",
        ),
    ],
)
def test_bad_input_gets_an_outcome_in_bounded_time(html):
    started = time.monotonic()
    result = extract_page(html, "https://blog.example/odd/", timeout=20)
    assert time.monotonic() - started < 25
    assert result.outcome in ("ok", "no_content", "extract_timeout")
    if result.outcome == "ok":
        result.value.text.encode("utf-8")  # valid UTF-8: no lone surrogates
        assert result.value.text.strip()


def test_non_latin_pages_keep_their_text_and_language():
    japanese = "川沿いの小さな町で、冬の朝に古い橋を渡って市場へ行きました。" * 20
    doc = extract_document(
        f"<html><body><article><p>{japanese}</p><p>{japanese}</p></article></body></html>", "https://blog.example/ja/"
    )
    assert "古い橋を渡って" in doc.text and doc.language == "ja"


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
    html = (
        "<html><head><title>My Title</title><meta property='og:title' content='My Title'></head><body><article>"
        "<h1>My Title</h1><p>" + "The body of the post goes on for a while. " * 5 + "</p></article></body></html>"
    )
    doc = extract_document(html, "https://blog.example/p")
    assert doc.title == "My Title"
    assert not doc.text.startswith("My Title")


def test_site_name_is_a_name_not_the_host():
    html = (
        "<html><body><article><p>"
        + "Words of a post without any site name at all. " * 6
        + "</p></article></body></html>"
    )
    assert extract_document(html, "https://www.blog.example:8080/p").sitename is None
    named = html.replace("<html>", "<html><head><meta property='og:site_name' content='Notes'></head>")
    assert extract_document(named, "https://blog.example/p").sitename == "Notes"


def test_a_page_past_the_element_limit_is_read_the_light_way():
    """A generated page of thousands of links is not handed to trafilatura (which copies the
    tree several times): its text is the largest block of paragraphs."""
    links = "".join(f"<li><a href='/p?n={n}'>{n}</a></li>" for n in range(3000))
    html = (
        f"<html><head><title>Many</title></head><body><ul>{links}</ul><div><p>{'A paragraph of the page. ' * 8}</p>"
        f"<p>{'And a second one. ' * 8}</p></div></body></html>"
    )
    light = extract_document(html, "https://blog.example/many", max_elements=1000)
    assert light.extractor == "largest_block" and light.title == "Many"
    assert light.text.splitlines() == [("A paragraph of the page. " * 8).strip(), ("And a second one. " * 8).strip()]
    assert extract_document(html, "https://blog.example/many").extractor != "largest_block"  # under the default limit
