"""Why a request failed, as a `fetches` outcome: the one place that classifies failures.

The project's own refusals are typed (`Refusal` and its subclasses carry their outcome).
Scrapy's middlewares raise a plain IgnoreRequest for robots.txt, redirect loops, offsite
requests and bodies that inflate past DOWNLOAD_MAXSIZE; `SCRAPY_REFUSALS` reads those by
their message, which Scrapy's tests pin, in this one table.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import DNSLookupError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from .download import MalformedResponse


class Refusal(IgnoreRequest):
    """A request the crawl will not send; `outcome` is what its `fetches` row records."""

    outcome = "fetch_error"


class Offsite(Refusal):
    """The URL, or a redirect, leaves the crawl's allowed hosts."""

    outcome = "offsite"


class BlockedAddress(Refusal):
    """The URL, or a redirect, leads to a private, loopback, link-local or metadata address,
    or to another port of a private start host."""

    outcome = "blocked"


class InvalidAddress(Refusal):
    """The URL's host or port is not one a connection can be made to."""

    outcome = "fetch_error"


class TrapURL(Refusal):
    """A redirect to a URL that the trap guards refuse (its message says which)."""

    outcome = "trap"


class FamilyHeld(IgnoreRequest):
    """A page request dropped because its URL family is closed (crawler.families); counted
    by the family, which reports one `trap` row for all it held."""


class OverPageBudget(IgnoreRequest):
    """A page request dropped past CRAWL_MAX_PAGES or CRAWL_MAX_PAGES_PER_HOST (in the stats)."""


#: Scrapy's untyped IgnoreRequest, by a phrase of its message -> outcome
SCRAPY_REFUSALS = (
    ("DOWNLOAD_MAXSIZE", "too_large"),  # HttpCompressionMiddleware: a body that inflated past the limit
    ("robots.txt", "robots_denied"),  # RobotsTxtMiddleware
    ("max redirections", "redirect_loop"),  # RedirectMiddleware
    ("offsite", "offsite"),  # OffsiteMiddleware
)


@dataclass(frozen=True)
class Failed:
    outcome: str
    reason: str
    status: int | None = None


def classify(
    exc: BaseException,
    *,
    redirects: int = 0,
    request_url: str = "",
    blocked_reason: str | None = None,
    maxsize: int = 0,
    known: bool = False,
) -> Failed | None:
    """The outcome of a request that failed with `exc`, or None for a drop that writes no row
    (FamilyHeld, OverPageBudget). `redirects`: the redirect legs before it; `blocked_reason`:
    why the resolver refused its host, if it did; `known`: the archive has the page."""
    if isinstance(exc, (FamilyHeld, OverPageBudget)):
        return None
    if isinstance(exc, TrapURL):
        return Failed("trap", f"redirected to a URL the trap guards refuse: {exc}")
    if isinstance(exc, Refusal):
        return Failed(exc.outcome, str(exc))
    if isinstance(exc, HttpError):
        status = exc.response.status
        if status in (404, 410) and known:
            return Failed("gone", f"HTTP {status}; the archive keeps its history", status)
        return Failed("http_error", f"HTTP {status}", status)
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        outcome = next((o for phrase, o in SCRAPY_REFUSALS if phrase.lower() in message.lower()), "fetch_error")
        if outcome == "redirect_loop":
            return Failed(outcome, f"more than {redirects} redirects, last to {request_url}")
        return Failed(outcome, message or "request ignored")
    if isinstance(exc, (DNSLookupError, CannotResolveHostError)) and blocked_reason:
        return Failed("blocked", blocked_reason)
    if isinstance(exc, (DownloadTimeoutError, TwistedTimeoutError)):
        return Failed("timeout", str(exc) or "download timed out")
    if isinstance(exc, (DownloadCancelledError, CancelledError)) and ("max size" in str(exc) or not str(exc)):
        return Failed("too_large", f"larger than DOWNLOAD_MAXSIZE ({maxsize} bytes)")
    if (malformed := malformed_response(exc)) is not None:
        return Failed("fetch_error", str(malformed))
    return Failed("fetch_error", f"{type(exc).__name__}: {exc}")  # refused, reset, DNS, TLS, data loss, ...


def malformed_response(exc: BaseException) -> MalformedResponse | None:
    """The MalformedResponse behind a failed download (Twisted wraps it in ResponseFailed,
    Scrapy that in DownloadFailedError), or None."""
    pending: list[BaseException] = [exc]
    for _ in range(20):  # wrappers nest two or three deep
        if not pending:
            break
        error = pending.pop()
        if isinstance(error, MalformedResponse):
            return error
        failures = list(getattr(error, "reasons", ()))
        if error.args and isinstance(error.args[0], list):
            failures += error.args[0]
        pending += [f.value for f in failures if isinstance(getattr(f, "value", None), BaseException)]
        if error.__cause__ is not None:
            pending.append(error.__cause__)
    return None
