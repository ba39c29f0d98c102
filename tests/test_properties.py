"""Property-based tests (hypothesis): the URL rules and the extraction wrapper hold for
any input, not only the inputs someone thought of."""

from __future__ import annotations

import ipaddress
import time
from functools import partial
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogarchive.crawler.addresses import non_public_kind
from blogarchive.crawler.middlewares import host_allowed
from blogarchive.pipelines.links import _joined, page_links
from blogarchive.pipelines.worker import extract_page

from .conftest import FIXTURES

FIXTURE_PAGES = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "pages").glob("*.html"))]
TAGS = [
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<article>",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<table><tr><td>",
    "<a href='",
    "'>",
    "&amp;",
    "&#0;",
    "&#xD800;",
    "\x00",
    "\ufffd",
    "<br/>",
    "<?xml version='1.0' encoding='latin-1'?>",
    '<meta charset="utf-16">',
    "<svg><foreignObject>",
    "<template>",
    "<noscript>",
    "</html>",
    "<html>",
]


@given(st.lists(st.text(max_size=80), max_size=30))
def test_page_links_are_always_absolute_pages(hrefs):
    links = page_links(hrefs, partial(_joined, "https://blog.example/dir/page"))  # as tree_links joins them
    assert len(links) == len(set(links))
    for link in links:
        parts = urlsplit(link)
        assert parts.scheme in ("http", "https") and "#" not in link


@given(st.text(max_size=120), st.sampled_from(["blog.example", "example.org"]))
def test_scope_never_raises_and_never_lets_another_host_in(url, allowed):
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = None
    ok = host_allowed(url, [allowed])
    if ok:
        assert host == allowed or host.endswith("." + allowed)


@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_only_global_addresses_are_public(address):
    kind = non_public_kind(str(address))
    ip = address
    if isinstance(address, ipaddress.IPv6Address):  # judged by the IPv4 address it reaches, if any
        teredo = address.teredo[1] if address.teredo else None
        nat64 = (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            if address in ipaddress.ip_network("64:ff9b::/96")
            else None
        )
        ip = address.ipv4_mapped or address.sixtofour or teredo or nat64 or address
        if address.is_site_local:
            assert kind == "private"
            return
    # public: global, and not a multicast group or a reserved block (no web server lives there)
    assert (kind is None) == (ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified))


def _mutated(page: str, cuts: list[int], inserts: list[str]) -> str:
    text = page
    for cut, insert in zip(cuts, inserts):
        at = cut % (len(text) + 1)
        text = text[:at] + insert + text[at + (cut % 7) * 10 :]
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(FIXTURE_PAGES),
    st.lists(st.integers(min_value=0), max_size=12),
    st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=20)), max_size=12),
)
def test_extraction_of_mutated_pages_never_raises_and_is_bounded(page, cuts, inserts):
    html = _mutated(page, cuts, inserts)
    started = time.monotonic()
    result = extract_page(html, "https://blog.example/post/", timeout=10)
    assert time.monotonic() - started < 12
    assert result.outcome in ("ok", "no_content", "extract_timeout")
    if result.outcome == "ok":
        result.value.text.encode("utf-8")
        for field in (result.value.title, result.value.author, *result.value.comments):
            (field or "").encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000))
def test_extraction_of_random_text_never_raises(text):
    result = extract_page(text, "https://blog.example/x/", timeout=10)
    assert result.outcome in ("ok", "no_content", "extract_timeout")
    if result.outcome == "ok":
        result.value.text.encode("utf-8")
