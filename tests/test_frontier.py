"""The frontier, the incremental policy and failure classification (crawler.frontier,
crawler.failures): plain logic, asked directly; the crawls that use them are in
test_crawl, test_incremental and test_hostile."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from scrapy.exceptions import IgnoreRequest
from twisted.internet.error import DNSLookupError

from blogarchive.archive.outcomes import OUTCOMES
from blogarchive.archive.state import KnownPage
from blogarchive.crawler.failures import (
    BlockedAddress,
    FamilyHeld,
    Offsite,
    TrapURL,
    classify,
)
from blogarchive.crawler.frontier import Fresh, Frontier, PageBudget, Request, RevisitPolicy, Trap, TrapGuards

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
SITE = "https://blog.example"


def known(path: str, captured: datetime, links: tuple[str, ...] = ()) -> KnownPage:
    return KnownPage(url=SITE + path, content_hash="0" * 64, last_captured=captured, links=list(links))


def steps(frontier: Frontier, path: str, depth: int = 1, changed: datetime | None = None) -> list:
    return list(frontier.visit(SITE + path, depth, changed, NOW))


def test_a_new_url_is_requested_once_whatever_its_spelling():
    frontier = Frontier()
    assert steps(frontier, "/a?b=1&a=2") == [Request(SITE + "/a?b=1&a=2", 1, None)]
    assert steps(frontier, "/a?a=2&b=1") == []  # the same page, canonically


def test_share_parameters_are_stripped_from_links_but_not_from_what_the_user_gave():
    frontier = Frontier(strip_params=["utm_source"])
    assert steps(frontier, "/p?utm_source=x", depth=0) == [Request(SITE + "/p?utm_source=x", 0, None)]
    assert steps(frontier, "/q?utm_source=x", depth=1) == [Request(SITE + "/q", 1, None)]


def test_the_trap_guards_refuse_long_urls_many_parameters_and_repeating_paths():
    guards = TrapGuards(max_url_length=60, max_query_params=2, max_path_repeats=2)
    assert guards.reason(SITE + "/" + "x" * 80).startswith("URL longer than 60")
    assert "query parameters" in guards.reason(SITE + "/p?a=1&b=2&c=3")
    assert "repeats 'a' 3 times" in guards.reason(SITE + "/a/b/a/c/a/")
    assert guards.reason(SITE + "/a/b/a/?x=1&y=2") is None
    frontier = Frontier(guards=guards)
    assert steps(frontier, "/a/a/a/") == [Trap(SITE + "/a/a/a/", "path repeats 'a' 3 times (CRAWL_MAX_PATH_REPEATS)")]


def test_depth_past_the_limit_is_not_requested():
    frontier = Frontier(max_depth=1)
    assert steps(frontier, "/deep", depth=2) == []
    assert steps(frontier, "/deep", depth=1) == [Request(SITE + "/deep", 1, None)]


def test_a_known_page_dated_unchanged_is_skipped_and_its_stored_links_followed():
    frontier = Frontier()
    frontier.known = {SITE + "/old": known("/old", NOW - timedelta(days=1), links=(SITE + "/linked",))}
    result = steps(frontier, "/old", changed=NOW - timedelta(days=2))
    assert result == [Fresh(SITE + "/old", dated=True), Request(SITE + "/linked", 2, None)]


def test_a_known_page_dated_after_its_capture_is_requested_with_what_the_archive_knows():
    frontier = Frontier()
    page = known("/old", NOW - timedelta(days=2))
    frontier.known = {page.url: page}
    assert steps(frontier, "/old", changed=NOW - timedelta(days=1)) == [Request(page.url, 1, page)]


def test_an_undated_known_page_waits_and_a_later_date_can_still_spare_it():
    frontier = Frontier()
    page = known("/old", NOW - timedelta(days=1))
    frontier.known = {page.url: page}
    assert steps(frontier, "/old") == []  # waits for a sitemap or feed date
    assert frontier.deferred == {page.url: 1}
    assert steps(frontier, "/old", changed=NOW - timedelta(days=3)) == [Fresh(page.url, dated=True)]
    assert frontier.undated() == {}


def test_revisit_after_spares_a_recent_capture_without_a_date():
    policy = RevisitPolicy(timedelta(hours=6))
    assert policy.fresh(known("/p", NOW - timedelta(hours=1)), None, NOW)
    assert not policy.fresh(known("/p", NOW - timedelta(hours=7)), None, NOW)
    assert not RevisitPolicy().fresh(known("/p", NOW - timedelta(seconds=1)), None, NOW)


def test_orphans_are_the_known_pages_nothing_led_to_once_a_crawl():
    frontier = Frontier(allowed=lambda url: "/private/" not in url)
    frontier.known = {SITE + p: known(p, NOW) for p in ("/seen", "/orphan", "/private/x")}
    frontier.mark_seen(SITE + "/seen")
    assert frontier.orphans() == [SITE + "/orphan"]
    assert frontier.orphans() == []


def test_a_discovery_url_is_visited_once():
    frontier = Frontier()
    assert frontier.first_visit(SITE + "/feed.xml")
    assert not frontier.first_visit(SITE + "/feed.xml")


def test_the_page_budget_counts_per_crawl_and_per_host():
    budget = PageBudget(max_pages=3, max_pages_per_host=2)
    assert [budget.take(SITE + "/1"), budget.take(SITE + "/2"), budget.take(SITE + "/3")] == [
        None,
        None,
        "max_pages_per_host",
    ]
    assert budget.take("https://other.example/1") is None
    assert budget.take("https://third.example/1") == "max_pages"
    budget.give_back("blog.example")
    assert budget.take(SITE + "/4") is None


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (Offsite("offsite: x.example is not an allowed host"), "offsite"),
        (BlockedAddress("blocked: 10.0.0.1, a private address"), "blocked"),
        (TrapURL("URL longer than 2083 characters"), "trap"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_denied"),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (IgnoreRequest("Filtered offsite request to 'x.example'"), "offsite"),
        (
            IgnoreRequest("Ignored response because its body is larger than the download max size (DOWNLOAD_MAXSIZE)"),
            "too_large",
        ),
        (ConnectionRefusedError("refused"), "fetch_error"),
    ],
)
def test_failures_are_classified_by_type_and_every_outcome_is_in_the_table(error, outcome):
    failed = classify(error, redirects=3, request_url=SITE + "/x")
    assert failed is not None and failed.outcome == outcome
    assert failed.outcome in OUTCOMES


def test_a_name_the_resolver_refused_is_blocked_and_a_held_family_writes_no_row():
    failed = classify(DNSLookupError("no"), blocked_reason="blocked: metadata.internal, a link-local address")
    assert failed is not None and (failed.outcome, failed.reason) == (
        "blocked",
        "blocked: metadata.internal, a link-local address",
    )
    assert classify(DNSLookupError("no")).outcome == "fetch_error"
    assert classify(FamilyHeld("held")) is None
