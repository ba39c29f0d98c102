"""The Scrapy project: settings, items, spiders, middlewares, extensions and the crawl runner."""
