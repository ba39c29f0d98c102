"""URL families: the frontier's budget against endless variants of one page.

A trap that generates URLs (`/p?n=0` ... `/p?n=199999`, session ids, sort orders,
calendar pages, `/l/1` ... `/l/99999` that all answer 404) shows itself by what its
members answer: the same text as a page already archived, an HTTP error, no
content. Each URL belongs to families: its host and path shape (numbers and
id-like segments generalised) with the names of its query parameters, and, when it
has a query, the same names on any path of the host. A family that answers
`limit` times in a row with nothing new is closed: its remaining members are held
(not requested) and reported once, as one `trap` row per family.

Pure logic, no Scrapy: the spider feeds it outcomes and asks it before requesting.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

__all__ = ["UNPRODUCTIVE", "FamilyBudget", "path_shape", "url_families"]

#: outcomes that bring nothing new to the archive; anything else from a fetch resets a family's run
UNPRODUCTIVE = frozenset({"duplicate", "http_error", "no_content"})
#: outcomes that say nothing either way: a redirect's answer is its target's, counted for the URL asked for
NEUTRAL = frozenset({"redirected"})

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
    families = (f"{host}{path_shape(parts.path) or '/'}{query}",)
    if query:
        families += (f"{host}/*{query}",)
    return families


@dataclass
class _Family:
    #: answers in a row that brought nothing new, by outcome
    run: Counter[str] = field(default_factory=Counter)
    closed: bool = False
    #: members held since the family closed, and how many of them were reported
    held: int = 0
    reported: int = 0
    #: the first member held: the URL of the family's `trap` row
    first_held: str | None = None


@dataclass(frozen=True)
class HeldFamily:
    """A closed family with members held since it was last reported."""

    family: str
    url: str
    held: int
    reason: str


class FamilyBudget:
    """Closes a family after `limit` unproductive answers in a row (0: never)."""

    def __init__(self, limit: int, setting: str = "CRAWL_FAMILY_BUDGET") -> None:
        self.limit = limit
        self.setting = setting
        self._families: dict[str, _Family] = {}

    def answered(self, url: str, outcome: str) -> None:
        """Count one answer of `url`: unproductive ones extend its families' runs,
        anything else ends them."""
        if not self.limit or outcome in NEUTRAL:
            return
        unproductive = outcome in UNPRODUCTIVE
        for key in url_families(url):
            family = self._families.get(key)
            if family is None:
                if not unproductive:
                    continue  # families are made by their first unproductive answer
                family = self._families[key] = _Family()
            if family.closed:
                continue
            if unproductive:
                family.run[outcome] += 1
                family.closed = sum(family.run.values()) >= self.limit
            else:
                family.run.clear()

    def hold(self, url: str) -> bool:
        """Whether `url` belongs to a closed family; a held URL is counted for its report."""
        if not self.limit:
            return False
        for key in url_families(url):
            family = self._families.get(key)
            if family is not None and family.closed:
                family.held += 1
                family.first_held = family.first_held or url
                return True
        return False

    def unreported(self) -> list[HeldFamily]:
        """The closed families that held members since the last call, with the counts."""
        found = []
        for key, family in self._families.items():
            if family.held > family.reported:
                count, family.reported = family.held - family.reported, family.held
                answers = " · ".join(f"{outcome} {n}" for outcome, n in sorted(family.run.items()))
                reason = (f"URL family {key} answered {sum(family.run.values())} times in a row with nothing new "
                          f"({answers}); {count} more of its URLs not requested ({self.setting})")
                found.append(HeldFamily(key, family.first_held or key, count, reason))
        return found
