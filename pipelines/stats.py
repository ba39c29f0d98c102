"""Stats keys the spider keeps for the pipelines and the command line (Scrapy's stats
collector carries them)."""

#: known pages the spider did not request because a sitemap or feed date vouched for them,
#: or because their last capture is younger than CRAWL_REVISIT_AFTER (the storage pipeline
#: writes them to the crawl row)
SKIPPED_DATED = "crawl/skipped_dated"
SKIPPED_RECENT = "crawl/skipped_recent"

#: prefix of the stats that count page outcomes as the spider saw them, with or without an
#: archive (`get --print` decides its exit status from them)
PAGE_OUTCOME = "crawl/page_outcome/"

#: why WARC capture stopped, when it did (the crawl's summary line names it)
WARC_ERROR = "archive/warc_error"

#: why `--print` could not write the text (stdout on a full disk): the command fails
PRINT_ERROR = "print/error"
#: prefix of the stats naming each table the crawl compacted as it ended (ARCHIVE_COMPACT_FILES):
#: "archive/compacted/pages" -> "1,004 files into 1"
COMPACTED = "archive/compacted/"
