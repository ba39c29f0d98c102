"""What runs in an extraction worker process.

Workers are spawned (not forked: the crawl process runs a reactor and threads),
ignore Ctrl-C and SIGTERM (the crawl process stops them once it has flushed), and
exit by themselves when the crawl process is gone, even after kill -9.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from .document import Document

#: ("ok", Document) | ("no_content", reason) | ("extract_error", reason)
Result = tuple[str, Union["Document", str]]


def start_worker(parent_pid: int) -> None:
    """Initializer of a worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch_parent, name="watch-parent", daemon=True).start()


def extract_page(html: str, url: str) -> Result:
    """extract_document, with its failures as values: they cross the process boundary
    whatever exception class they were.

    The extractor (and trafilatura) is imported here, on the first page, so that the
    crawl process, which only hands pages over, never loads it."""
    from .document import NoContent, extract_document

    try:
        return "ok", extract_document(html, url)
    except NoContent as exc:
        return "no_content", str(exc)
    except Exception as exc:  # a page must never vanish: the pipeline records it
        return "extract_error", f"{type(exc).__name__}: {exc}"
