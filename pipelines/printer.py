"""PrintPipeline: each page's clean text, with a short metadata header, on stdout.

Enabled by PRINT_TEXT (`blogarchive get --print`). Pages that could not be
stored get one line on stderr instead.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from .items import ExtractedPage, FetchRecord
from .stats import PRINT_ERROR

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from .document import Document


def format_document(document: Document) -> str:
    """The text a reader wants to see: a header of metadata, a blank line, the text."""
    fields = [
        ("url", document.url),
        ("title", document.title),
        ("author", document.author),
        ("published", document.published.isoformat() if document.published else None),
        ("site", document.sitename),
        ("platform", document.platform),
        ("language", document.language),
        ("tags", ", ".join(document.tags) if document.tags else None),
        ("words", str(document.word_count)),
    ]
    header = "\n".join(f"{name}: {value}" for name, value in fields if value)
    return f"{header}\n\n{document.text}\n"


class PrintPipeline:
    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, crawler: Crawler | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.crawler = crawler
        self.printed = 0
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrintPipeline:
        if not crawler.settings.getbool("PRINT_TEXT"):
            raise NotConfigured  # silently off unless asked for
        return cls(crawler=crawler)

    def process_item(self, item: Any) -> Any:
        if self.failed:
            return item
        try:
            if isinstance(item, ExtractedPage):
                if self.printed:
                    self.out.write("\n" + "-" * 72 + "\n\n")
                self.out.write(format_document(item.document))
                self.out.flush()
                self.printed += 1
            elif isinstance(item, FetchRecord) and item.kind == "page" and item.outcome != "redirected":
                self.err.write(f"blogarchive: {item.url}: {item.outcome} ({item.reason})\n")
        except OSError as exc:  # stdout is a full disk, /dev/full, a closed pipe
            self._stop(exc)
        return item

    def _stop(self, exc: OSError) -> None:
        """Print no more. A crawl that only prints stops; one that also archives goes on."""
        self.failed = True
        if self.crawler is None:
            raise exc
        self.crawler.stats.set_value(PRINT_ERROR, exc.strerror or str(exc))
        if not self.crawler.settings.get("ARCHIVE_DIR"):
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="stdout_error"))
