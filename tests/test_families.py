"""URL families (crawler.families): shapes, and the budget that closes a family after a run
of answers that bring nothing new. Pure logic; the crawl through a trap is in test_hostile."""

from __future__ import annotations

import pytest

from blogarchive.crawler.families import FamilyBudget, path_shape, url_families


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/l/123", "/l/*"),
        ("/2024/05/a-post/", "/*/*/a-post/"),
        ("/page/3/", "/page/*/"),
        ("/item/3f2a9c1d7e/", "/item/*/"),
        ("/s/123e4567-e89b-12d3-a456-426614174000", "/s/*"),
        ("/a;jsessionid=0123ABCD/b", "/a/b"),
        ("/tag/winter-light/", "/tag/winter-light/"),  # a word is not an id
        ("/deadline", "/deadline"),
    ],
)
def test_path_shapes_generalise_numbers_and_ids_only(path, shape):
    assert path_shape(path) == shape


def test_a_url_with_a_query_belongs_to_its_path_family_and_to_the_any_path_family():
    assert url_families("http://Blog.example:8080/p?n=3&sort=asc") == (
        "blog.example:8080/p?n&sort",
        "blog.example:8080/*?n&sort",
    )
    assert url_families("https://blog.example/2024/05/a-post/") == ("blog.example/*/*/a-post/",)


def test_a_run_of_duplicates_closes_the_family_and_its_members_are_held_and_reported_once():
    budget = FamilyBudget(limit=3)
    budget.answered("http://b/p?n=0", "stored")
    for n in range(1, 3):
        budget.answered(f"http://b/p?n={n}", "duplicate")
    assert not budget.hold("http://b/p?n=3")  # two in a row: still open
    budget.answered("http://b/p?n=3", "duplicate")
    assert budget.hold("http://b/p?n=4") and budget.hold("http://b/p?n=5")
    [report] = [f for f in budget.unreported() if f.family == "b/p?n"]
    assert report.url == "http://b/p?n=4" and report.held == 2
    assert (
        "3 times in a row" in report.reason
        and "duplicate 3" in report.reason
        and "CRAWL_FAMILY_BUDGET" in report.reason
    )
    assert budget.unreported() == []  # reported once
    budget.hold("http://b/p?n=6")
    assert [f.held for f in budget.unreported()] == [1]  # only what was held since


def test_something_new_ends_the_run():
    budget = FamilyBudget(limit=3)
    for n in range(10):
        budget.answered(f"http://b/l/{n}", "http_error")
        budget.answered(f"http://b/l/{n}x", "stored")  # another family
        if n % 2:
            budget.answered(f"http://b/l/{100 + n}", "stored")  # a real page of the family
    assert not budget.hold("http://b/l/999")
    for n in range(3):
        budget.answered(f"http://b/l/{200 + n}", "http_error")
    assert budget.hold("http://b/l/999")
    assert not budget.hold("http://b/l/999x")  # a word segment: its own family


def test_session_ids_on_every_path_close_the_any_path_family():
    budget = FamilyBudget(limit=4)
    for n in range(4):
        budget.answered(f"http://b/post-{n}?sid={n}abc", "duplicate")
    assert budget.hold("http://b/another-post?sid=zz")
    assert not budget.hold("http://b/another-post")


def test_a_zero_limit_never_closes_a_family():
    budget = FamilyBudget(limit=0)
    for n in range(100):
        budget.answered(f"http://b/p?n={n}", "duplicate")
    assert not budget.hold("http://b/p?n=101") and budget.unreported() == []


def test_a_probe_with_something_new_reopens_the_family_and_gives_back_what_it_held():
    """A stale sitemap: the first twelve posts it lists were deleted (404), the rest are live.
    The family closes, holds, lets a probe through, and the live probe reopens it."""
    budget = FamilyBudget(limit=10)
    for n in range(1, 13):
        budget.answered(f"http://b/post/{n}", "http_error")
    held = [n for n in range(13, 41) if budget.hold(f"http://b/post/{n}", (f"http://b/post/{n}", 1))]
    probes = [n for n in range(13, 41) if n not in held]
    assert probes == [13 + 9, 13 + 19]  # the 10th and the 20th member met since closing
    assert budget.answered(f"http://b/post/{probes[0]}", "stored") == [(f"http://b/post/{n}", 1) for n in held]
    assert not budget.hold("http://b/post/99")  # open again
    assert budget.unreported() == []  # nothing stays held


def test_probes_that_bring_nothing_new_keep_the_family_closed_and_come_less_often():
    budget = FamilyBudget(limit=10)
    for n in range(10):
        budget.answered(f"http://b/p?n={n}", "duplicate")
    let_through = []
    for n in range(10, 5000):
        if not budget.hold(f"http://b/p?n={n}"):
            let_through.append(n)
            budget.answered(f"http://b/p?n={n}", "duplicate")
    assert len(let_through) == 9  # after 10, 20, 40, ... 1280, 2560 more: a handful of requests
    [report] = [f for f in budget.unreported() if f.family == "b/p?n"]
    assert report.held == 4990 - 9 and "9 probes since" in report.reason


def test_a_trap_of_unrelated_urls_closes_the_hosts_family_of_last_resort():
    """Pages at random words, all the same soft-404 text: no path shape groups them."""
    budget = FamilyBudget(limit=10)
    words = [f"word{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}x" for n in range(200)]
    for word in words[:99]:
        budget.answered(f"http://b/{word}", "duplicate")
    assert not budget.hold("http://b/another")
    budget.answered(f"http://b/{words[99]}", "duplicate")
    assert budget.hold("http://b/another") and not budget.hold("http://c/another")


def test_only_an_answer_with_something_new_reopens_a_family():
    """A timeout or a failed connection brings nothing new (it extends a run); a robots.txt
    refusal or a busy server says nothing about the family either way."""
    budget = FamilyBudget(limit=3)
    for n in range(3):
        budget.answered(f"http://b/l/{n}", "timeout")
    assert budget.hold("http://b/l/10", ("http://b/l/10", 1))
    for outcome in ("timeout", "fetch_error", "robots_denied", "unavailable", "not_html", "redirected"):
        assert budget.answered("http://b/l/11", outcome) == []
        assert budget.hold("http://b/l/12", ("http://b/l/12", 1))
    assert budget.answered("http://b/l/13", "not_modified") == [("http://b/l/10", 1)] + [("http://b/l/12", 1)] * 6


def test_the_last_probe_when_the_crawl_runs_out_of_work_is_one_per_closed_family_once():
    budget = FamilyBudget(limit=2)
    for path in ("a", "b"):
        for n in range(2):
            budget.answered(f"http://h/{path}/{n}", "duplicate")
        budget.hold(f"http://h/{path}/7", (f"http://h/{path}/7", 2))
        budget.hold(f"http://h/{path}/8", (f"http://h/{path}/8", 2))
    assert sorted(budget.last_probes()) == [("http://h/a/7", 2), ("http://h/b/7", 2)]
    assert budget.last_probes() == []
    reports = {f.family: f for f in budget.unreported()}
    assert reports["h/a/*"].held == 1 and "1 probe since" in reports["h/a/*"].reason


def test_held_urls_past_what_is_kept_are_still_reported_when_the_family_reopens(monkeypatch):
    import blogarchive.crawler.families as families

    monkeypatch.setattr(families, "MAX_KEPT", 3)
    budget = FamilyBudget(limit=2)
    for n in range(2):
        budget.answered(f"http://b/p?n={n}", "duplicate")
    held = [n for n in range(2, 10) if budget.hold(f"http://b/p?n={n}", n)]
    assert len(held) == 8
    assert budget.answered("http://b/p?n=99", "stored") == held[:3]
    [report] = [f for f in budget.unreported() if f.family == "b/p?n"]
    assert report.held == 5  # never requested, and said so
