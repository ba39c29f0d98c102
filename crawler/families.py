"""URL families: the frontier's budget against endless variants of one page.

A trap that generates URLs (`/p?n=0` ... `/p?n=199999`, session ids, sort orders,
calendar pages, `/l/1` ... `/l/99999` that all answer 404) shows itself by what its
members answer: the same text as a page already archived, an HTTP error, no
content. Each URL belongs to families: its host and path shape (numbers and
id-like segments generalised) with the names of its query parameters; when it
has a query, the same names on any path of the host; and, as a last resort, the
whole host (with a limit ten times larger). A family that answers `limit` times
in a row with nothing new is closed: its members are held (not requested),
except a probe now and then (the 10th member met since it closed, the 20th, the
40th, ...; and one more when the crawl runs out of work). A probe that brings
something new (a stored or unchanged page, a 304, a `gone`) reopens the family and
gives back what it held, so a run of deleted or image-only posts costs a few
requests, not the posts behind them. What stays held is reported once, as one
`trap` row per family.

Pure logic, no Scrapy: the spider feeds it outcomes and asks it before requesting.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["NEUTRAL", "PRODUCTIVE", "FamilyBudget", "path_shape", "url_families"]

#: answers that bring something to the archive: they end a family's run and reopen it
PRODUCTIVE = frozenset({"stored", "unchanged", "not_modified", "gone"})
#: outcomes that say nothing about the family either way: URLs never asked for (robots.txt,
#: scope, address rules), a redirect (its answer is its target's, counted for the URL asked
#: for), and `unavailable` (the spider's name for a 5xx or 429: a busy server, not a trap)
NEUTRAL = frozenset({"redirected", "robots_denied", "offsite", "blocked", "trap", "unavailable"})
#: every other outcome (a duplicate text, an HTTP error, no content, a timeout, a failed
#: connection, a body too large or not HTML, ...) brings nothing new and extends a run

_ID_SEGMENT = re.compile(
    r"""^(?:
        \d+                                   # 2024, 123456
      | [0-9a-f]{8,}                          # hashes, hex ids
      | [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}  # UUIDs
      | (?=[A-Za-z_-]*\d)(?=\d*[A-Za-z])[A-Za-z0-9_-]{16,}            # long tokens of letters and digits
    )$""",
    re.I | re.X,
)


def path_shape(path: str) -> str:
    """The path with numbers and id-like segments as `*` and matrix parameters
    (`;jsessionid=...`) dropped: `/l/123/` -> `/l/*/`."""
    segments = [segment.split(";", 1)[0] for segment in path.split("/")]
    return "/".join("*" if segment and _ID_SEGMENT.match(segment) else segment for segment in segments)


def url_families(url: str) -> tuple[str, ...]:
    """The families `url` belongs to, most specific first: `host/shape?names`, and for a
    URL with a query also `host/*?names` (the same parameters on any path)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port:
        host = f"{host}:{parts.port}"
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    query = "?" + "&".join(names) if names else ""
    families: tuple[str, ...] = (f"{host}{path_shape(parts.path) or '/'}{query}",)
    if query:
        families += (f"{host}/*{query}",)
    return families


#: a closed family lets one member through as a probe after this many more were met, then
#: after twice as many, and so on; a probe with something new reopens the family
FIRST_PROBE = 10
#: held members kept per family to be released if it reopens (past this, only counted)
MAX_KEPT = 20_000
#: a host's answers in a row with nothing new, as a multiple of the limit, close the host's
#: family of last resort (`host/**`): a trap whose URLs share no shape (random words)
HOST_FACTOR = 10


@dataclass
class _Family:
    limit: int
    #: answers in a row that brought nothing new, by outcome
    run: Counter[str] = field(default_factory=Counter)
    closed: bool = False
    #: members met since the family closed: held ones and probes
    met: int = 0
    next_probe: int = FIRST_PROBE
    probes: int = 0
    #: members held, how many of them were reported, and what to release on reopening
    held: int = 0
    reported: int = 0
    kept: list[Any] = field(default_factory=list)
    #: the first member held: the URL of the family's `trap` row
    first_held: str | None = None

    #: whether the last probe (when the crawl ran out of work) was let through
    last_probe: bool = False

    def reopen(self) -> list[Any]:
        """Open again; what was kept is released, what was held beyond it stays to report."""
        released, self.kept = self.kept, []
        self.closed, self.met, self.next_probe, self.probes, self.last_probe = False, 0, FIRST_PROBE, 0, False
        self.held, self.reported = self.held - len(released) - self.reported, 0
        self.run.clear()
        return released


@dataclass(frozen=True)
class HeldFamily:
    """A closed family with members held since it was last reported."""

    family: str
    url: str
    held: int
    reason: str


class FamilyBudget:
    """Closes a family after `limit` unproductive answers in a row (0: never), holds its
    members while it is closed, lets a probe through now and then, and reopens it (giving
    back what it held) when a member answers with something new."""

    def __init__(self, limit: int, setting: str = "CRAWL_FAMILY_BUDGET") -> None:
        self.limit = limit
        self.setting = setting
        #: families with a run going or closed; an open family whose run ends is dropped
        self._families: dict[str, _Family] = {}
        self._closed = 0

    def _keys(self, url: str) -> list[tuple[str, int]]:
        """(family, its limit) for each family of `url`, most specific first."""
        families = url_families(url)
        host = families[0].split("/", 1)[0]
        return [*((key, self.limit) for key in families), (f"{host}/**", self.limit * HOST_FACTOR)]

    def answered(self, url: str, outcome: str) -> list[Any]:
        """Count one answer of `url`: unproductive ones extend its families' runs, anything
        else ends them and reopens its closed families. Returns what reopened families held
        (the items given to `hold`), to be requested after all."""
        if not self.limit or outcome in NEUTRAL:
            return []
        productive = outcome in PRODUCTIVE
        released: list[Any] = []
        for key, limit in self._keys(url):
            family = self._families.get(key)
            if family is None:
                if productive:
                    continue  # families are made by their first answer with nothing new
                family = self._families[key] = _Family(limit)
            if productive:
                if family.closed:
                    self._closed -= 1
                    released += family.reopen()
                if not family.held:  # nothing left to report: an open family with no run is no family
                    del self._families[key]
                else:
                    family.run.clear()
            elif not family.closed:
                family.run[outcome] += 1
                if sum(family.run.values()) >= family.limit:
                    family.closed = True
                    self._closed += 1
        return released

    def hold(self, url: str, item: Any = None) -> bool:
        """Whether `url` is held because a family of it is closed; `item` (what the caller
        needs to request it later) is kept for release. Now and then a member is let
        through as a probe instead."""
        if not self._closed:
            return False
        for key, _ in self._keys(url):
            family = self._families.get(key)
            if family is None or not family.closed:
                continue
            family.met += 1
            if family.met >= family.next_probe:
                family.next_probe *= 2
                family.probes += 1
                return False
            family.held += 1
            family.first_held = family.first_held or url
            if len(family.kept) < MAX_KEPT:
                family.kept.append(item if item is not None else url)
            return True
        return False

    def last_probes(self) -> list[Any]:
        """One held member of each closed family that has not had its last probe: for the
        crawl to ask when it runs out of work, so a family closed by a run near the end
        still gets its chance (a probe with something new releases the rest)."""
        probes = []
        for family in self._families.values():
            if family.closed and family.kept and not family.last_probe:
                family.last_probe = True
                family.held -= 1
                family.probes += 1
                probes.append(family.kept.pop(0))
        return probes

    def unreported(self) -> list[HeldFamily]:
        """The families that held members since the last call, with the counts."""
        found = []
        for key, family in self._families.items():
            if family.held > family.reported:
                count, family.reported = family.held - family.reported, family.held
                answers = " · ".join(f"{outcome} {n}" for outcome, n in sorted(family.run.items()))
                probes = (
                    f", and {family.probes} probe{'s' if family.probes != 1 else ''} since" if family.probes else ""
                )
                reason = (
                    f"URL family {key} answered {sum(family.run.values())} times in a row with nothing new "
                    f"({answers}{probes}); {count} more of its URLs not requested ({self.setting})"
                )
                found.append(HeldFamily(key, family.first_held or key, count, reason))
        return found
