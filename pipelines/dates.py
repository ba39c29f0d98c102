"""Dates as pages, sitemaps and feeds write them: the one parser of them."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

__all__ = ["EARLIEST", "parse_date"]

#: no blog post is older (a page's date before this is a template's or a parser's mistake)
EARLIEST = datetime(1995, 1, 1, tzinfo=timezone.utc)


def parse_date(value: str | None, now: datetime | None = None, *, plausible: bool = True) -> datetime | None:
    """An ISO 8601 date or datetime, or an RFC 822 one (feeds), as an aware datetime; None
    if absent or unreadable.

    The source's own UTC offset is kept (the archive stores the instant in UTC; the offset
    gives the date as the page shows it). A date without a time is midnight UTC; a time
    without a zone is taken as UTC. With `plausible` (a page's own date), dates before
    1995 or more than a day after `now` are refused; a sitemap's or feed's date is taken
    as it is (it only decides whether a known page needs a request).
    """
    text = (value or "").strip()
    if not text:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        if match := re.match(r"^(\d{4})-(\d{2})-(\d{2})", text):
            try:
                parsed = datetime.combine(date(*map(int, match.groups())), time())
            except ValueError:
                return None
        else:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if plausible and not EARLIEST <= parsed <= (now or datetime.now(timezone.utc)) + timedelta(days=1):
        return None
    return parsed
