"""Dates as pages, sitemaps and feeds write them: one reader, two policies.

A page's own date is read leniently (a `YYYY-MM-DD` prefix is enough) and must be
plausible; a sitemap's or feed's date decides whether a known page needs a request, so it
is read exactly or not at all (a date cut to its day would fall before the last capture
and spare a page that changed that day).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

__all__ = ["EARLIEST", "MAX_DURATION", "parse_date", "parse_duration", "parse_feed_date"]

#: no blog post is older (a page's date before this is a template's or a parser's mistake)
EARLIEST = datetime(1995, 1, 1, tzinfo=timezone.utc)


def parse_date(value: str | None, now: datetime | None = None) -> datetime | None:
    """A page's date: ISO 8601, a `YYYY-MM-DD` prefix or RFC 822, as an aware datetime; None
    if absent, unreadable or implausible (before 1995, or more than a day after `now`).

    The page's own UTC offset is kept (the archive stores the instant in UTC; the offset
    gives the date as the page shows it). A date without a time is midnight UTC; a time
    without a zone is taken as UTC.
    """
    parsed = _read(value, lenient=True)
    if parsed is None or not EARLIEST <= parsed <= (now or datetime.now(timezone.utc)) + timedelta(days=1):
        return None
    return parsed


def parse_feed_date(value: str | None) -> datetime | None:
    """A sitemap's or feed's date, W3C/ISO 8601 or RFC 822, exactly, in UTC; None otherwise."""
    parsed = _read(value, lenient=False)
    return parsed.astimezone(timezone.utc) if parsed is not None else None


def _read(value: str | None, *, lenient: bool) -> datetime | None:
    text = (value or "").strip()
    if not text:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        if lenient and (match := re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)):
            try:
                parsed = datetime.combine(date(*map(int, match.groups())), time())
            except ValueError:
                return None
        else:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


#: seconds in each unit a duration may be written in
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: the longest duration a setting or option takes: a century
MAX_DURATION = 36500 * 86400.0


def parse_duration(value: str | float) -> float:
    """Seconds in '90', '90s', '30m', '6h', '2d' or '1w' (or a number of seconds): what
    `--revisit-after` and CRAWL_REVISIT_AFTER take. ValueError (what was expected) otherwise."""
    text = str(value).strip().lower()
    unit = DURATION_UNITS.get(text[-1:], None)
    try:
        seconds = float(text[:-1] if unit else text) * (unit or 1)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a duration like 90s, 30m, 6h, 2d or 1w")
    if seconds < 0:
        raise ValueError(f"{value} is negative")
    if seconds > MAX_DURATION:
        raise ValueError(f"{value} is longer than {MAX_DURATION // 86400:.0f} days")
    return seconds
