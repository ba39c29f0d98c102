"""Every outcome a `fetches` row may record, with its family: the one table of them.

The schema's column description, the crawl's final status, the incremental state, the
progress line and the report all derive their lists from `OUTCOMES` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "CAPTURED",
    "OUTCOMES",
    "PROBLEMS",
    "REACHED",
    "UNANSWERED",
    "UNCHANGED",
    "Family",
    "Outcome",
    "family_of",
    "final_status",
]


class Family(str, Enum):
    """What an outcome means for the archive, in five kinds."""

    STORED = "stored"  # a new version is in `pages`
    UNCHANGED = "unchanged"  # fetched again, found as stored before
    NOTED = "noted"  # answered, with nothing new to store (a duplicate, a redirect, a sitemap read, a page gone)
    ERROR = "error"  # the page could not be archived: the site, the network or the extractor failed
    REFUSED = "refused"  # not requested: a rule refused it (robots.txt, scope, the address rules, the trap guards)


@dataclass(frozen=True)
class Outcome:
    name: str
    family: Family
    #: the site answered with a page (a crawl with such a row reached its site)
    page_answered: bool
    #: the site answered at all (a crawl whose every row is unanswered failed)
    answered: bool
    meaning: str


_S, _U, _N, _E, _R = Family.STORED, Family.UNCHANGED, Family.NOTED, Family.ERROR, Family.REFUSED

OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("stored", _S, True, True, "the page was extracted and written to `pages`"),
        Outcome("duplicate", _N, True, True, "the page's clean text equals a page already stored in this crawl"),
        Outcome("redirected", _N, False, True, "the URL redirected; the target has its own row"),
        Outcome("discovered", _N, False, True, "a robots.txt, sitemap or feed that was read for links"),
        Outcome("not_html", _E, True, True, "the response was not an HTML page (PDF, image, ...)"),
        Outcome("no_content", _E, True, True, "the page was fetched but had no main text (empty body, no article)"),
        Outcome(
            "unchanged",
            _U,
            True,
            True,
            "the page was fetched again and its clean text has not changed: no new `pages` row",
        ),
        Outcome("not_modified", _U, True, True, "the server answered 304 to a conditional request: nothing stored"),
        Outcome(
            "gone", _N, True, True, "the page answered 404 or 410 where it had been stored before; its history stays"
        ),
        Outcome("extract_error", _E, True, True, "the extractor raised on this page"),
        Outcome(
            "extract_timeout",
            _E,
            True,
            True,
            "extraction took longer than EXTRACTION_TIMEOUT seconds and was abandoned",
        ),
        Outcome(
            "parse_error",
            _E,
            False,
            True,
            "the response could not be read as what it claimed to be (a broken gzip sitemap, ...)",
        ),
        Outcome("http_error", _E, False, True, "the server answered 4xx or 5xx"),
        Outcome("timeout", _E, False, False, "the server did not answer in time"),
        Outcome("fetch_error", _E, False, False, "the connection failed (refused, reset, DNS, TLS, ...)"),
        Outcome("redirect_loop", _E, False, True, "the URL redirected too many times"),
        Outcome("robots_denied", _R, False, True, "robots.txt forbids this URL"),
        Outcome("offsite", _R, False, False, "the URL (or a redirect) left the allowed hosts"),
        Outcome(
            "blocked",
            _R,
            False,
            False,
            "the URL (or a redirect) led to a private, loopback, link-local or metadata address",
        ),
        Outcome(
            "trap",
            _R,
            False,
            False,
            "the URL was not requested: too long, too many query parameters, a path that repeats "
            "itself (a calendar or session trap), or its URL family answered CRAWL_FAMILY_BUDGET times in a row with "
            "nothing new (one row per family, with the count)",
        ),
        Outcome("too_large", _E, False, True, "the response was larger than the download size limit"),
    )
}


def family_of(outcome: str) -> Family:
    return OUTCOMES[outcome].family


def _named(test: object) -> frozenset[str]:
    return frozenset(name for name, o in OUTCOMES.items() if test(o))  # type: ignore[operator]


#: we have the URL's current content (a conditional request may ask for it again)
CAPTURED = _named(lambda o: o.family in (Family.STORED, Family.UNCHANGED))
#: this crawl found the page as it was
UNCHANGED = _named(lambda o: o.family is Family.UNCHANGED)
#: the site answered with a page
REACHED = _named(lambda o: o.page_answered)
#: the site never answered the request
UNANSWERED = _named(lambda o: not o.answered)
#: what the live progress line counts as errors: pages that could not be archived or were refused
PROBLEMS = _named(lambda o: o.family in (Family.ERROR, Family.REFUSED))


def final_status(
    page_outcomes: Mapping[str, int],
    *,
    skipped: int = 0,
    failure: str | None = None,
    finish_reason: str = "finished",
    outcomes: Mapping[str, int] | None = None,
) -> tuple[str, str]:
    """(status, reason) of a crawl that ended: its `fetches` rows of pages per outcome,
    the known pages it did not request because a date or their age vouched for them,
    an archive failure, Scrapy's finish reason, and the rows of every kind per outcome
    (robots.txt, sitemaps, feeds too) when known.

    A crawl fails only when nothing could be archived: the archive could not be
    written, the site answered none of its requests, or pages were attempted, none
    was reached and none was vouched for. A re-crawl that finds every page unchanged
    (by date, by age or by 304) finished.
    """
    if failure:
        return "failed", failure
    if finish_reason == "shutdown":
        return "interrupted", "stopped by a signal (Ctrl-C or SIGTERM); what was fetched is stored"
    attempted = sum(n for outcome, n in page_outcomes.items() if outcome != "redirected")  # the target has its own
    if outcomes and not (seen := {k for k, n in outcomes.items() if n}) - UNANSWERED:
        listed = ", ".join(sorted(seen))
        if all(family_of(outcome) is Family.REFUSED for outcome in seen):  # a seed, or a redirect leg, refused
            return "failed", f"the crawl's rules refused every URL, or where it redirected ({listed})"
        return "failed", f"the site answered none of the crawl's requests ({listed})"
    if skipped or not attempted or any(page_outcomes.get(outcome) for outcome in REACHED):
        return "finished", finish_reason
    if page_outcomes.get("robots_denied") == attempted:
        return "failed", f"robots.txt denies every page this crawl asked for ({attempted}): nothing could be archived"
    return "failed", "no page could be fetched"
