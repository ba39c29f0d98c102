"""Which pages a crawl asks for, and when: the frontier and the incremental policy.

Plain classes, no Scrapy: the spider turns their answers into requests, stats and
`fetches` rows, and the tests ask them directly.

- `TrapGuards`: URLs that generate URLs without end (calendars, session ids, nesting paths).
- `RevisitPolicy`: whether a page the archive knows needs a request this time.
- `PageBudget`: CRAWL_MAX_PAGES and CRAWL_MAX_PAGES_PER_HOST.
- `Frontier`: the pages seen, the known pages waiting for a date, and the walk from one
  URL through the links stored with the known pages it skips.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Union
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url, url_query_cleaner

from blogarchive.pipelines.links import host_of, without_userinfo

if TYPE_CHECKING:
    from blogarchive.archive.state import KnownPage

#: normalised links kept for reuse (a few MB at most)
LINK_CACHE_SIZE = 8192
#: the longest revisit interval: a longer timedelta would overflow when taken from today
MAX_REVISIT = timedelta(days=36500)


@dataclass(frozen=True)
class TrapGuards:
    max_url_length: int = 2083
    max_query_params: int = 8
    max_path_repeats: int = 3

    def reason(self, url: str) -> str | None:
        """Why `url` looks like a trap that generates URLs without end, or None."""
        if len(url) > self.max_url_length:
            return f"URL longer than {self.max_url_length} characters (CRAWL_MAX_URL_LENGTH)"
        parts = urlsplit(url)
        if parts.query and parts.query.count("&") + 1 > self.max_query_params:
            return f"more than {self.max_query_params} query parameters (CRAWL_MAX_QUERY_PARAMS)"
        segments = Counter(segment for segment in parts.path.split("/") if segment)
        if segments and (repeat := segments.most_common(1)[0])[1] > self.max_path_repeats:
            return f"path repeats {repeat[0]!r} {repeat[1]} times (CRAWL_MAX_PATH_REPEATS)"
        return None


@dataclass(frozen=True)
class RevisitPolicy:
    """A known page needs no request when a sitemap or feed date says it has not changed
    since its last capture, or, without a date, when that capture is younger than
    `revisit_after` (0: every undated known page gets a conditional request)."""

    revisit_after: timedelta = timedelta(0)

    def fresh(self, known: KnownPage, changed: datetime | None, now: datetime) -> bool:
        if changed is not None:
            return changed <= known.last_captured
        return bool(self.revisit_after) and now - known.last_captured < min(self.revisit_after, MAX_REVISIT)


@dataclass
class PageBudget:
    """Page requests counted against CRAWL_MAX_PAGES and CRAWL_MAX_PAGES_PER_HOST (0: no limit)."""

    max_pages: int = 0
    max_pages_per_host: int = 0
    requested: int = 0
    per_host: Counter[str] = field(default_factory=Counter)

    def take(self, url: str) -> str | None:
        """Count one more page request and return None, or return which limit refuses it."""
        if self.max_pages and self.requested >= self.max_pages:
            return "max_pages"
        host = host_of(url)
        if self.max_pages_per_host and self.per_host[host] >= self.max_pages_per_host:
            return "max_pages_per_host"
        self.requested += 1
        self.per_host[host] += 1
        return None

    def give_back(self, host: str) -> None:
        self.requested -= 1
        self.per_host[host] -= 1


@dataclass(frozen=True)
class Request:
    """Ask for `url`, `depth` link hops from a start URL (`known`: what the archive has of it)."""

    url: str
    depth: int
    known: KnownPage | None


@dataclass(frozen=True)
class Trap:
    """Do not ask for `url`: the trap guards refuse it, for `reason`."""

    url: str
    reason: str


@dataclass(frozen=True)
class Fresh:
    """A known page needs no request; `dated`: a sitemap or feed date said so (else its age)."""

    url: str
    dated: bool


Step = Union[Request, Trap, Fresh]


class Frontier:
    """The pages a crawl has seen, and the walk that decides what to ask for next.

    `allowed` tells whether a link is in scope; `known` is what the archive holds
    (URL -> KnownPage), set once the archive is open.
    """

    def __init__(
        self,
        *,
        follow: bool = True,
        max_depth: int = -1,
        guards: TrapGuards | None = None,
        policy: RevisitPolicy | None = None,
        strip_params: list[str] | None = None,
        allowed: Callable[[str], bool] = lambda url: True,
    ) -> None:
        self.follow = follow
        self.max_depth = max_depth
        self.guards = guards or TrapGuards()
        self.policy = policy or RevisitPolicy()
        self.strip_params = list(strip_params or [])
        self.allowed = allowed
        self.known: dict[str, KnownPage] = {}
        self.seen: set[str] = set()
        #: known pages no sitemap or feed has dated yet: asked for once the crawl is idle
        self.deferred: dict[str, int] = {}
        self.orphans_checked = False
        self.normalised = lru_cache(maxsize=LINK_CACHE_SIZE)(self._normalise)

    def _normalise(self, url: str, discovered: bool) -> tuple[str, str]:
        """(the URL to fetch, the key that tells it seen): share and tracking parameters
        stripped from discovered links (what the user gave is fetched as given), then
        canonicalised. Cached: a blog's sidebar repeats the same links on every page."""
        url = without_userinfo(url)
        if self.strip_params and discovered:
            url = url_query_cleaner(url, self.strip_params, remove=True, keep_fragments=False)
        return url, canonicalize_url(url)

    def visit(self, url: str, depth: int, changed: datetime | None, now: datetime) -> Iterator[Step]:
        """What to do about `url` and, past each known page that needs no request, the
        links stored with it (breadth-first).

        `changed` is when a sitemap or feed says the page last changed. A known page
        without such a date waits in `deferred` until the crawl is idle (`undated`), so
        that a sitemap read meanwhile can still spare its request.
        """
        queue = deque([(url, depth, changed)])
        while queue:
            url, depth, changed = queue.popleft()
            url, key = self.normalised(url, depth > 0)
            if key in self.seen and not (changed is not None and url in self.deferred):
                continue
            if self.max_depth >= 0 and depth > self.max_depth:
                continue
            self.seen.add(key)
            if (trap := self.guards.reason(url)) is not None:
                yield Trap(url, trap)
                continue
            known = self.known.get(url)
            if known is not None and self.policy.fresh(known, changed, now):
                self.deferred.pop(url, None)
                yield Fresh(url, dated=changed is not None)
                if self.follow:
                    queue.extend((link, depth + 1, None) for link in known.links if self.allowed(link))
                continue
            if known is not None and changed is None and self.follow:
                self.deferred.setdefault(url, depth)
                continue
            self.deferred.pop(url, None)
            yield Request(url, depth, known)

    def first_visit(self, url: str) -> bool:
        """Mark a robots.txt, sitemap or feed URL seen; False if it was (as a page link too:
        a feed is often linked as well as announced)."""
        key = canonicalize_url(url)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def mark_seen(self, url: str) -> None:
        self.seen.add(canonicalize_url(url))

    def orphans(self) -> list[str]:
        """Once a crawl: the known pages nothing led to this time (so a deleted post that is
        no longer linked is still found `gone`)."""
        if not self.follow or self.orphans_checked:
            return []
        self.orphans_checked = True
        return [url for url in self.known if canonicalize_url(url) not in self.seen and self.allowed(url)]

    def undated(self) -> dict[str, int]:
        """The known pages left waiting for a date (URL -> depth), taken out of the frontier."""
        waiting, self.deferred = self.deferred, {}
        return waiting
