"""Signals of the project (Scrapy's signal manager carries them)."""

#: sent by the storage pipeline once it holds the archive and has read its state;
#: handlers receive `state` (an archive.state.ArchiveState)
archive_opened = object()

#: sent by the extraction pipeline once a worker has read a page's links (the crawl
#: process does not parse pages); handlers receive `page` (a crawler.items.FetchedPage,
#: its `links` filled) and `alternates` (the page's <link rel="alternate"> (URL, type))
page_links = object()
