"""The floor for archiving one URL with Scrapy: a bare spider that fetches the page and
runs `trafilatura.extract` on it (with metadata), printing the text. No project, no
archive: what `blogarchive get URL --print` is measured against (throughput.py).

With --polite it fetches as blogarchive does by default: robots.txt first, then the page
after the download delay (DOWNLOAD_DELAY and AutoThrottle's start delay, 0.25 s).

    .venv/bin/python benchmarks/oneoff_floor.py URL [--polite]
"""

import argparse

import scrapy
import trafilatura
from scrapy.crawler import CrawlerProcess

POLITE = {
    "ROBOTSTXT_OBEY": True,
    "DOWNLOAD_DELAY": 0.25,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.25,
}


class OnePage(scrapy.Spider):
    name = "one-page"

    def __init__(self, url: str, **kwargs):
        super().__init__(**kwargs)
        self.url = url

    async def start(self):
        yield scrapy.Request(self.url)

    def parse(self, response):
        print(trafilatura.extract(response.text, url=response.url, with_metadata=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--polite", action="store_true", help="robots.txt and the download delay, as blogarchive")
    args = parser.parse_args()
    settings = {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, **(POLITE if args.polite else {})}
    process = CrawlerProcess(settings)
    process.crawl(OnePage, url=args.url)
    process.start()


if __name__ == "__main__":
    main()
