"""Counters a page states — views, likes, comments, reading time — as integers.

Pure functions. The platform's counter elements and the post's own header and
footer are read before pruning removes them (they are boilerplate in `text`,
data in their own columns); structured data (JSON-LD `interactionStatistic`,
`commentCount`, `timeRequired`; the `twitter:label`/`twitter:data` pairs) too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = [
    "COUNTER_KINDS",
    "counter_value",
    "counters_in_texts",
    "iso_minutes",
    "parse_count",
    "short_texts",
    "statistic_counts",
]

#: the Document fields and `pages` columns, in the order they are documented
COUNTER_KINDS = ("comment_count", "view_count", "like_count", "reading_time")

_NUMBER = r"(\d[\d.,\u00a0\u202f ]*\d|\d)\s*([kKmM])?\+?"
_PATTERNS = {
    "view_count": re.compile(rf"^{_NUMBER}\s*(views?|reads?|visits?|plays?)$", re.I),
    "like_count": re.compile(rf"^{_NUMBER}\s*(likes?|claps?|hearts?|notes?|reactions?|kudos)$", re.I),
    "comment_count": re.compile(rf"^{_NUMBER}\s*(comments?|responses?|replies|reply)$", re.I),
    "reading_time": re.compile(
        rf"^(?:(?:est\.?\s*)?reading time\s*:?\s*)?{_NUMBER}\s*(?:min(?:ute)?s?\.?)(?:\s+(?:read|reading time|to read))?$",
        re.I,
    ),
}
_BARE_NUMBER = re.compile(rf"^{_NUMBER}$")
_ISO_DURATION = re.compile(r"^P(?:T?(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)$", re.I)
_STATISTIC_KINDS = {
    "viewaction": "view_count",
    "watchaction": "view_count",
    "readaction": "view_count",
    "likeaction": "like_count",
    "commentaction": "comment_count",
}


def parse_count(digits: str, suffix: str | None = None) -> int | None:
    """`1,234` -> 1234, `1.2` with `K` -> 1200, `12 345` -> 12345."""
    digits = re.sub(r"[\u00a0\u202f ]", "", digits)
    multiplier = {"k": 1_000, "m": 1_000_000}.get((suffix or "").lower(), 1)
    if multiplier > 1:
        try:
            return int(float(digits.replace(",", ".")) * multiplier)
        except ValueError:
            return None
    # without a suffix, separators group thousands ("1,234", "1.234")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits) or digits.isdigit():
        return int(re.sub(r"[.,]", "", digits))
    return None


def _value(kind: str, text: str) -> int | None:
    match = _PATTERNS[kind].match(text)
    return parse_count(match.group(1), match.group(2)) if match else None


def counter_value(kind: str, text: str) -> int | None:
    """The number in one counter's text ("120 views", "1.2K", "3 min read") as `kind`."""
    text = " ".join(text.split()).strip(" •·|-–—")
    value = _value(kind, text)
    if value is None and (match := _BARE_NUMBER.match(text)):
        value = parse_count(match.group(1), match.group(2))
    return value


def counters_in_texts(texts: Iterable[str]) -> dict[str, int]:
    """The first counter of each kind among short texts ("120 views", "3 min read")."""
    found: dict[str, int] = {}
    for text in texts:
        text = " ".join(text.split())
        if not text or len(text) > 40:
            continue
        for kind in COUNTER_KINDS:
            if kind not in found and (value := _value(kind, text)) is not None:
                found[kind] = value
                break
    return found


def iso_minutes(value: str | None) -> int | None:
    """Minutes of an ISO 8601 duration (`PT4M`, `PT1H5M`, `PT90S`), rounded up to whole minutes."""
    match = _ISO_DURATION.match((value or "").strip())
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 60 + minutes + seconds / 60
    return max(1, round(total)) if total > 0 else None


def statistic_counts(article: dict[str, Any]) -> dict[str, int]:
    """Counters of a JSON-LD article: `interactionStatistic`, `commentCount`, `timeRequired`."""
    found: dict[str, int] = {}
    statistics = article.get("interactionStatistic") or []
    for statistic in statistics if isinstance(statistics, list) else [statistics]:
        if not isinstance(statistic, dict):
            continue
        action = statistic.get("interactionType")
        if isinstance(action, dict):
            action = action.get("@type")
        kind = _STATISTIC_KINDS.get(str(action or "").rsplit("/", 1)[-1].lower())
        count = _integer(statistic.get("userInteractionCount"))
        if kind and count is not None:
            found.setdefault(kind, count)
    if (count := _integer(article.get("commentCount"))) is not None:
        found.setdefault("comment_count", count)
    if (minutes := iso_minutes(str(article.get("timeRequired") or ""))) is not None:
        found["reading_time"] = minutes
    return found


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def short_texts(scope: HtmlElement, skip: list[HtmlElement]) -> Iterable[str]:
    """Texts of the small elements in `scope` (a counter is a short span, a link, an item),
    outside the elements in `skip` (reader comments: their likes are not the post's)."""
    skipped = set(skip)
    for element in scope.iter("span", "div", "p", "li", "a", "button", "small", "time", "strong", "em", "b"):
        if len(element) > 4 or any(a in skipped for a in (element, *element.iterancestors())):
            continue
        text = element.text_content()
        if len(text) <= 60:
            yield text
