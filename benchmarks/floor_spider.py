"""Scrapy alone: fetch every post of the sitemap and do nothing with it.

The CPU this costs per page is Scrapy's and Twisted's own (download, middlewares,
scheduler, engine), a floor under any Scrapy crawl on one reactor thread.

    scrapy runspider benchmarks/floor_spider.py -a sitemap=http://host/sitemap.xml
"""

from scrapy.spiders import SitemapSpider


class FloorSpider(SitemapSpider):
    name = "floor"
    custom_settings = {"ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}

    def __init__(self, sitemap: str, **kwargs):
        super().__init__(**kwargs)
        self.sitemap_urls = [sitemap]

    def parse(self, response):
        return None
