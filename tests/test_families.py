"""URL families (crawler.families): shapes, and the budget that closes a family after a run
of answers that bring nothing new. Pure logic; the crawl through a trap is in test_hostile."""

from __future__ import annotations

import pytest

from crawler.families import FamilyBudget, path_shape, url_families


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
        "blog.example:8080/p?n&sort", "blog.example:8080/*?n&sort")
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
    assert "3 times in a row" in report.reason and "duplicate 3" in report.reason and "CRAWL_FAMILY_BUDGET" in report.reason
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
