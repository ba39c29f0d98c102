"""Scrapy commands of the project (COMMANDS_MODULE): `scrapy crawl` with blogarchive's exit statuses."""
