"""What runs in an extraction worker process.

Workers are spawned (not forked: the crawl process runs a reactor and threads),
ignore Ctrl-C and SIGTERM (the crawl process stops them once it has flushed), and
exit by themselves when the crawl process is gone, even after kill -9.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple, Union

from .links import PageLinks, tree_links

if TYPE_CHECKING:
    from .document import Document


class Result(NamedTuple):
    """What a worker sends back: ("ok", Document) | ("no_content", reason) |
    ("extract_error", reason) | ("extract_timeout", reason), and the page's links whatever the outcome (a page
    with no main text, a list of links, still leads on)."""

    outcome: str
    value: Union[Document, str]
    links: PageLinks = PageLinks()


def start_worker(parent_pid: int) -> None:
    """Initializer of a worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch_parent, name="watch-parent", daemon=True).start()
    # now, while the crawl reads robots.txt and sitemaps, not when the first page waits
    load_extractor()


def load_extractor() -> None:
    """Import the extractor and load the language model."""
    from . import document  # noqa: F401
    from .language import load_model

    load_model()


def ready() -> bool:
    """A task that only makes the pool start a worker (pools start them on demand)."""
    return True


class ExtractionTimeout(BaseException):
    """Raised in the extracting thread by SIGALRM. A BaseException, so that the broad
    `except Exception` inside extraction libraries cannot swallow it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise ExtractionTimeout


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after `seconds` (SIGALRM: main thread only, as workers run)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: pages larger than this (characters) give their memory back to the system once read
TRIM_AFTER_CHARS = 1 << 20


def _release_memory() -> None:
    """Return the freed heap to the system (glibc keeps it otherwise): a worker that read
    one huge page should not hold its peak for the rest of the crawl."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def extract_page(
    html: str, url: str, timeout: float | None = None, max_links: int = 0, max_elements: int | None = None
) -> Result:
    """The page's document and links from one parse, with failures as values: they
    cross the process boundary whatever exception class they were. Extraction that
    runs past `timeout` seconds is abandoned (`extract_timeout`); at most `max_links`
    links are read (0: all); a page of more than `max_elements` elements is read the
    light way (pipelines.document.MAX_ELEMENTS when None).

    The extractor (and trafilatura) is imported here and in `start_worker`, never at
    module level, so that the crawl process, which only hands pages over, never loads it."""
    from .document import MAX_ELEMENTS, NoContent, document_from_tree, parse_html

    links = PageLinks()
    try:
        with time_limit(timeout):
            tree = parse_html(html)
            links = tree_links(tree, html, url, max_links)  # before extraction prunes the tree
            document = document_from_tree(tree, url, MAX_ELEMENTS if max_elements is None else max_elements)
            return Result("ok", document, links)
    except ExtractionTimeout:
        return Result("extract_timeout", f"extraction took longer than {timeout:g} s", links)
    except NoContent as exc:
        return Result("no_content", str(exc), links)
    except Exception as exc:  # a page must never vanish: the pipeline records it
        return Result("extract_error", f"{type(exc).__name__}: {exc}", links)
    finally:
        if len(html) > TRIM_AFTER_CHARS:
            tree = None
            _release_memory()
