"""Signals of the project (Scrapy's signal manager carries them)."""

#: sent by the storage pipeline once it holds the archive and has read its state;
#: handlers receive `state` (an archive.state.ArchiveState) and `warc` (the crawl's
#: archive.warc.WarcSegments, or None without --warc)
archive_opened = object()

#: sent by the extraction pipeline once a worker has read a page's links (the crawl
#: process does not parse pages); handlers receive `page` (a blogarchive.pipelines.items.FetchedPage,
#: its `links` filled) and `alternates` (the page's <link rel="alternate"> (URL, type))
page_links = object()

#: sent by the spider for a URL it will not request (a trap, a nested sitemap index)
#: and so has no response to yield a record from; handlers receive `record` (a
#: blogarchive.pipelines.items.FetchRecord). The storage pipeline writes it to `fetches`.
fetch_recorded = object()

#: sent by the storage pipeline as the crawl closes, before its writer takes its last
#: rows: the last moment to send `fetch_recorded` (no arguments)
archive_closing = object()
