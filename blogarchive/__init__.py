"""blogarchive: crawl blogs into clean text plus metadata in Parquet.

The package has four layers, each importing only those below it (the import-linter
contract in pyproject.toml holds them to it):

- `blogarchive.archive`: the Parquet archive: schema, writer, readers, WARC files. No Scrapy.
- `blogarchive.pipelines`: extraction and item processing, on top of the archive.
- `blogarchive.crawler`: the Scrapy project: spider, middlewares, settings, the crawl runner.
- the application, here: the library API (`blogarchive.api`), the command line
  (`blogarchive.cli`), the cluster (`blogarchive.cluster`), the report and the web UI.

To read an archive: `from blogarchive.archive import read_pages`.
"""

__version__ = "0.1.0"
