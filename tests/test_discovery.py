"""Sitemaps, feeds and robots.txt as pure functions: no crawl needed."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest

from blogarchive.crawler import discovery

BASE = "https://blog.example/"


def test_sitemap_urlset_and_index():
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://blog.example/a</loc><lastmod>2024-01-01</lastmod></url>
      <url><loc> /b </loc></url></urlset>"""
    assert discovery.xml_kind(urlset) == "sitemap"
    assert discovery.sitemap_entries(urlset, BASE) == [
        ("https://blog.example/a", datetime(2024, 1, 1, tzinfo=timezone.utc)),
        ("https://blog.example/b", None),
    ]
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://blog.example/s1.xml.gz</loc></sitemap></sitemapindex>"""
    assert discovery.xml_kind(index) == "sitemapindex"
    assert discovery.sitemap_entries(index, BASE) == [("https://blog.example/s1.xml.gz", None)]


def test_gzipped_sitemaps_are_unpacked_within_a_size_limit():
    body = b"<urlset><url><loc>https://blog.example/a</loc></url></urlset>"
    assert discovery.ungzip(gzip.compress(body), 10_000) == body
    assert discovery.ungzip(body, 10_000) == body
    with pytest.raises(ValueError):  # Scrapy: the body inflates past max_size
        discovery.ungzip(gzip.compress(b"x" * 100_000), 1_000)


@pytest.mark.parametrize(
    "feed",
    [
        b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
            <item><title>A</title><link>https://blog.example/a</link></item>
            <item><title>B</title><link>/b</link></item></channel></rss>""",
        b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><link rel="alternate" type="text/html" href="https://blog.example/a"/>
            <link rel="replies" href="https://blog.example/a/comments"/></entry>
            <entry><link href="/b"/></entry></feed>""",
        b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <item rdf:about="https://blog.example/a"><link>https://blog.example/a</link></item>
            <item rdf:about="https://blog.example/b"><link>https://blog.example/b</link></item></rdf:RDF>""",
    ],
    ids=["rss2", "atom", "rss1"],
)
def test_feed_entry_links(feed):
    assert discovery.xml_kind(feed) == "feed"
    assert [url for url, _ in discovery.feed_entries(feed, BASE)] == [
        "https://blog.example/a",
        "https://blog.example/b",
    ]


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    feed = f"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>
        <rss><channel><item><link>https://blog.example/&x;</link></item></channel></rss>""".encode()
    links = [url for url, _ in discovery.feed_entries(feed, BASE)]
    assert not any("TOP-SECRET" in link for link in links)


def test_robots_sitemap_lines():
    robots = "User-agent: *\nDisallow: /private/\nSitemap: https://blog.example/sitemap_index.xml\nsitemap:/other.xml\n"
    assert discovery.robots_sitemaps(robots, BASE) == [
        "https://blog.example/sitemap_index.xml",
        "https://blog.example/other.xml",
    ]


def test_html_is_not_mistaken_for_xml():
    assert discovery.xml_kind(b"<!doctype html><html><body><p>rss feed here</p></body></html>") is None


def test_page_links_are_absolute_pages_without_repeats_or_fragments():
    from urllib.parse import urljoin

    from blogarchive.pipelines.links import page_links

    hrefs = [
        " /a ",
        "/a#comments",
        "b?x=1",
        "javascript:void(0)",
        "mailto:x@y.z",
        "#top",
        "/img/photo.JPG",
        "/files/report.pdf",
        "https://other.example/c",
        "ftp://files.example/d",
        "/feed.xml",
        "",
        "/a",
    ]
    links = page_links(hrefs, lambda href: urljoin("https://blog.example/dir/page", href))
    assert links == (
        "https://blog.example/a",
        "https://blog.example/dir/b?x=1",
        "https://other.example/c",
        "https://blog.example/feed.xml",
    )


def test_a_link_that_is_no_url_is_skipped_not_fatal():
    """urllib refuses `http://[`, an unclosed IPv6 host: such an <a> or <link rel=alternate>
    is left out, and the page's other links and its text are still read."""
    from blogarchive.pipelines.document import parse_html
    from blogarchive.pipelines.links import tree_links

    html = (
        "<html><head><link rel='alternate' type='application/rss+xml' href='http://[broken/feed'>"
        "<link rel='alternate' type='application/rss+xml' href='/feed.xml'></head>"
        "<body><a href='http://[::1'>x</a><a href='//[oops/'>y</a><a href='/fine'>z</a></body></html>"
    )
    links = tree_links(parse_html(html), html, "https://blog.example/post/")
    assert links.links == ("https://blog.example/fine",)
    assert links.alternates == (("https://blog.example/feed.xml", "application/rss+xml"),)


def test_a_base_href_that_is_no_url_leaves_links_relative_to_the_page():
    from blogarchive.pipelines.document import parse_html
    from blogarchive.pipelines.links import tree_links

    for base in ("http://[", "https://blog.example:99999/"):
        html = f"<html><head><base href='{base}'></head><body><a href='/fine'>z</a></body></html>"
        assert tree_links(parse_html(html), html, "https://blog.example/post/").links == ("https://blog.example/fine",)
