"""Exit statuses, for schedulers (cron, systemd, Scrapyd, Celery): the one table of them.

`blogarchive` and `scrapy crawl blog` return them; the cluster's crawl task reads them back
from the crawl process it started; `--help` and the README show `MEANINGS`. They live with
the archive because they say what became of a crawl of it, whichever command ran it.
"""

from __future__ import annotations

from enum import IntEnum

from .errors import ArchiveError, InvalidRequest, LockHeld


class Exit(IntEnum):
    FINISHED = 0
    FAILED = 1
    USAGE = 2
    INTERRUPTED = 3
    LOCKED = 75  # EX_TEMPFAIL: another crawl holds the archive; try again later


#: what each exit status means, for every command
MEANINGS = {
    Exit.FINISHED: "done: a crawl finished (whatever single pages did: each URL's outcome is in fetches; "
    "a re-crawl that finds nothing new has finished too)",
    Exit.FAILED: "failed: the site answered none of a crawl's requests, or the crawl asked for pages and none "
    "could be fetched or was vouched for, or robots.txt denied every one; or an archive could not be "
    "read or written, or the crawl could not start",
    Exit.USAGE: "a usage mistake: a bad option, URL, setting, path or port; nothing was done",
    Exit.INTERRUPTED: "interrupted (Ctrl-C, SIGTERM): what was fetched is stored",
    Exit.LOCKED: "another crawl holds the archive (EX_TEMPFAIL): try again later",
}

#: what a crawl that found its archive held reports (it writes nothing there: no `crawls` row)
LOCKED = "locked"
#: a crawl's status (its row in `crawls`, or LOCKED) and the exit status that says it
FOR_STATUS = {"finished": Exit.FINISHED, "failed": Exit.FAILED, "interrupted": Exit.INTERRUPTED, LOCKED: Exit.LOCKED}
STATUS_FOR: dict[int, str] = {code: status for status, code in FOR_STATUS.items()}


def exit_for(error: BaseException) -> Exit:
    """The exit status for an error that ends a command: the one mapping of error classes."""
    if isinstance(error, InvalidRequest):  # before ArchiveError: it is one
        return Exit.USAGE
    if isinstance(error, LockHeld):
        return Exit.LOCKED
    if isinstance(error, KeyboardInterrupt):
        return Exit.INTERRUPTED
    if isinstance(error, (ArchiveError, OSError)):
        return Exit.FAILED
    raise TypeError(f"no exit status for {type(error).__name__}") from error
