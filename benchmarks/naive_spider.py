"""The spider users would write first: Scrapy's SitemapSpider with trafilatura inline.

scrapy runspider benchmarks/naive_spider.py -a sitemap=http://host/sitemap.xml
"""

import trafilatura
from scrapy.spiders import SitemapSpider


class NaiveSpider(SitemapSpider):
    name = "naive"
    custom_settings = {"ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}

    def __init__(self, sitemap: str, **kwargs):
        super().__init__(**kwargs)
        self.sitemap_urls = [sitemap]

    def parse(self, response):
        text = trafilatura.extract(response.text, url=response.url, with_metadata=True)
        if text:
            yield {"url": response.url, "words": len(text.split())}
