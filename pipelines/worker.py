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
from typing import TYPE_CHECKING, NamedTuple, Union

from crawler.links import PageLinks, tree_links

if TYPE_CHECKING:
    from .document import Document


class Result(NamedTuple):
    """What a worker sends back: ("ok", Document) | ("no_content", reason) |
    ("extract_error", reason), and the page's links whatever the outcome (a page
    with no main text, a list of links, still leads on)."""

    outcome: str
    value: Union["Document", str]
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
    # load the extractor now, while the crawl reads robots.txt and sitemaps, not
    # when the first page waits (a second of imports)
    from . import document  # noqa: F401


def ready() -> bool:
    """A task that only makes the pool start a worker (pools start them on demand)."""
    return True


def extract_page(html: str, url: str) -> Result:
    """The page's document and links from one parse, with failures as values: they
    cross the process boundary whatever exception class they were.

    The extractor (and trafilatura) is imported here and in `start_worker`, never at
    module level, so that the crawl process, which only hands pages over, never loads it."""
    from .document import NoContent, document_from_tree, parse_html

    links = PageLinks()
    try:
        tree = parse_html(html)
        links = tree_links(tree, html, url)  # before extraction prunes the tree
        return Result("ok", document_from_tree(tree, url), links)
    except NoContent as exc:
        return Result("no_content", str(exc), links)
    except Exception as exc:  # a page must never vanish: the pipeline records it
        return Result("extract_error", f"{type(exc).__name__}: {exc}", links)
