"""The archive's two tables, `pages` and `fetches`, as pyarrow schemas.

Each column carries its own description in the field metadata, so the schema
documents itself: the README's column tables are checked against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from .outcomes import OUTCOMES

#: 2 added `comment_count`, `view_count`, `like_count`, `reading_time` and `extractor`
#: to `pages`; 3 added the WARC pointers (`warc_filename`, `warc_record_offset`,
#: `warc_record_length`) to `pages` and `fetches`, and `payload_digest` to `fetches`.
#: 4 added `skipped_dated` and `skipped_recent` to `crawls`. 5 added `line_kinds` to `pages`;
#: 6 `rendered` to `pages` and `fetches`; 7 `minhash`, `near_duplicate_of` and
#: `near_duplicate_similarity` to `pages`.
#: The reader gives an older file's missing columns as nulls.
SCHEMA_VERSION = "7"
SCHEMA_VERSION_KEY = b"blogarchive.schema_version"
TABLE_KEY = b"blogarchive.table"

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

#: Page types the extractor assigns.
PAGE_TYPES = ("post", "listing", "other")


def _field(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": doc})


PAGES_FIELDS = [
    _field("url", pa.string(), "URL of the page after redirects", False),
    _field("host", pa.string(), "host name of `url`, lower-case", False),
    _field("crawl_id", pa.string(), "identifier of the crawl run that stored the row", False),
    _field("fetched_at", UTC_TIMESTAMP, "when the response arrived (UTC)", False),
    _field("status", pa.int32(), "HTTP status code of the response", False),
    _field("platform", pa.string(), "blog platform detected from the page: wix, wordpress, blogger, ... or null"),
    _field(
        "page_type",
        pa.string(),
        "`post` (a blog post or article), `listing` (index, tag, category, archive page) or `other`",
        False,
    ),
    _field("title", pa.string(), "title of the post"),
    _field(
        "author",
        pa.string(),
        "author of the post: names only (no label, date or job title); the site's name only when the page names no person",
    ),
    _field("published", UTC_TIMESTAMP, "publication time (UTC); a date-only value is midnight UTC"),
    _field("modified", UTC_TIMESTAMP, "last modification time the page declares (UTC)"),
    _field("sitename", pa.string(), "name of the site or blog"),
    _field("description", pa.string(), "the page's summary (meta description or og:description)"),
    _field(
        "language",
        pa.string(),
        "language of `text` (e.g. `en`, `de`): the one the page declares, unless the text is long enough to tell and is plainly in another",
    ),
    _field("categories", pa.list_(pa.string()), "categories of the post", False),
    _field("tags", pa.list_(pa.string()), "tags, labels or hashtags of the post", False),
    _field(
        "text",
        pa.string(),
        "clean main text, one paragraph (or list item, heading) per line; no boilerplate, no comments",
        False,
    ),
    _field(
        "line_kinds",
        pa.list_(pa.string()),
        "what each line of `text` was on the page, one per line: `p` (paragraph), `h1` to `h6` (heading), `li` (list item), `quote`, `pre` (code) or `table` (a row); null in rows written before schema 5",
    ),
    _field("comments", pa.list_(pa.string()), "reader comments, one string each (kept out of `text`)", False),
    _field(
        "comment_count",
        pa.int64(),
        "number of comments the page states (its counter or structured data), null when it states none",
    ),
    _field("view_count", pa.int64(), "number of views the page states, null when it states none"),
    _field("like_count", pa.int64(), "number of likes (claps, hearts) the page states, null when it states none"),
    _field(
        "reading_time",
        pa.int32(),
        'reading time in minutes the page states ("3 min read", `timeRequired`), null when it states none',
    ),
    _field(
        "extractor",
        pa.string(),
        "strategy that produced `text`: `trafilatura`, `trafilatura_recall`, `marked_body`, `largest_block` or `listing` (see README); null in rows written before schema 2",
    ),
    _field("word_count", pa.int32(), "number of words in `text`", False),
    _field("content_hash", pa.string(), "SHA-256 (hex) of `text` with whitespace normalised", False),
    _field(
        "minhash",
        pa.binary(),
        "MinHash signature of `text` for near-duplicate search: 64 little-endian unsigned 32-bit values (256 bytes) over its 3-word shingles (README, Near-duplicates); null for a text under 50 words and in rows written before schema 7",
    ),
    _field(
        "near_duplicate_of",
        pa.string(),
        "URL of the earliest archived page (of this site or another) whose text is at least 0.9 similar to `text`; null when there is none (the page is still stored)",
    ),
    _field(
        "near_duplicate_similarity",
        pa.float64(),
        "estimated Jaccard similarity (0.9 to 1) of `text` and the text of `near_duplicate_of`",
    ),
    _field("content_type", pa.string(), "Content-Type header of the response"),
    _field("encoding", pa.string(), "character encoding the body was decoded with"),
    _field("etag", pa.string(), "ETag header of the response"),
    _field("last_modified", pa.string(), "Last-Modified header of the response"),
    _field("links", pa.list_(pa.string()), "absolute URLs of the page's links, in order, without repeats", False),
    _field("html", pa.large_string(), "the raw response body decoded to UTF-8, for re-extraction", False),
    _field(
        "rendered",
        pa.bool_(),
        "true when `text` and the columns read from the page come from the DOM a browser rendered from the response (`--render`); `html` is always the response as fetched; null in rows written before schema 6",
    ),
    _field(
        "warc_filename",
        pa.string(),
        "WARC file (in the archive's `warc/`) holding the raw capture, for crawls with `--warc`; null otherwise",
    ),
    _field("warc_record_offset", pa.int64(), "byte offset of the response (or revisit) record in `warc_filename`"),
    _field("warc_record_length", pa.int64(), "byte length of that record (one gzip member)"),
]

FETCHES_FIELDS = [
    _field("url", pa.string(), "URL the crawl requested", False),
    _field("host", pa.string(), "host name of `url`, lower-case", False),
    _field("crawl_id", pa.string(), "identifier of the crawl run", False),
    _field("fetched_at", UTC_TIMESTAMP, "when the attempt finished (UTC)", False),
    _field("kind", pa.string(), "what the URL was fetched as: `page`, `sitemap`, `feed` or `robots`", False),
    _field("status", pa.int32(), "HTTP status code, null when no response arrived"),
    _field("outcome", pa.string(), "what happened: " + ", ".join(OUTCOMES), False),
    _field("reason", pa.string(), "human-readable detail of the outcome"),
    _field(
        "content_hash",
        pa.string(),
        "`content_hash` of the page's clean text, for `stored`, `unchanged` and `duplicate`",
    ),
    _field("etag", pa.string(), "ETag header of the response"),
    _field("last_modified", pa.string(), "Last-Modified header of the response"),
    _field(
        "warc_filename",
        pa.string(),
        "WARC file (in the archive's `warc/`) holding the raw capture, for crawls with `--warc`; null otherwise",
    ),
    _field("warc_record_offset", pa.int64(), "byte offset of the response (or revisit) record in `warc_filename`"),
    _field("warc_record_length", pa.int64(), "byte length of that record (one gzip member)"),
    _field(
        "rendered",
        pa.bool_(),
        "true when the page was rendered in a browser and its outcome is of the rendered DOM; null in rows written before schema 6",
    ),
    _field(
        "payload_digest",
        pa.string(),
        "WARC-Payload-Digest (`sha1:` base32) of the response body as received, for crawls with `--warc`; a later identical body is stored as a revisit record",
    ),
]

#: Crawl statuses, in the order a crawl goes through them.
CRAWL_STATUSES = ("running", "finished", "interrupted", "failed")

CRAWLS_FIELDS = [
    _field("crawl_id", pa.string(), "identifier of the crawl run", False),
    _field(
        "status",
        pa.string(),
        "`running`, then `finished`, `interrupted` (Ctrl-C, SIGTERM, or found dead by a later run) or `failed`",
        False,
    ),
    _field(
        "recorded_at",
        UTC_TIMESTAMP,
        "when this status was written (UTC); the latest row of a crawl is its status",
        False,
    ),
    _field("started_at", UTC_TIMESTAMP, "when the crawl started (UTC)", False),
    _field("finished_at", UTC_TIMESTAMP, "when the crawl ended (UTC), null while running"),
    _field("seeds", pa.list_(pa.string()), "start URLs", False),
    _field("settings", pa.string(), "the settings that shape the crawl, as a JSON object", False),
    _field("counts", pa.map_(pa.string(), pa.int64()), "`fetches` rows per outcome written by the crawl"),
    _field(
        "skipped_dated",
        pa.int64(),
        "known pages not requested because a sitemap `<lastmod>` or feed date says they have not changed since their last capture (no `fetches` row)",
    ),
    _field(
        "skipped_recent",
        pa.int64(),
        "known pages without such a date not requested because their last capture is younger than `--revisit-after` (no `fetches` row)",
    ),
    _field("reason", pa.string(), "why the crawl ended (Scrapy's finish reason, or what failed)"),
    _field("pid", pa.int64(), "process id of the crawl", False),
    _field("hostname", pa.string(), "machine the crawl ran on", False),
]


def _schema(table: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(), TABLE_KEY: table.encode()},
    )


PAGES_SCHEMA = _schema("pages", PAGES_FIELDS)
FETCHES_SCHEMA = _schema("fetches", FETCHES_FIELDS)

CRAWLS_SCHEMA = _schema("crawls", CRAWLS_FIELDS)

SCHEMAS = {"pages": PAGES_SCHEMA, "fetches": FETCHES_SCHEMA, "crawls": CRAWLS_SCHEMA}

#: the columns of `pages` and `fetches` that point into the archive's WARC files
WARC_COLUMNS = ("warc_filename", "warc_record_offset", "warc_record_length")
#: every `pages` column but the raw page, its WARC pointer and its MinHash signature (bytes for
#: the near-duplicate index, not text): what an export carries of a page
PAGE_TEXT_COLUMNS = [
    name for name in PAGES_SCHEMA.names if name not in ("html", "minhash") and name not in WARC_COLUMNS
]


def _int_bounds(schema: pa.Schema) -> dict[str, tuple[int, int, bool]]:
    """name -> (least, greatest, nullable) of each integer column."""
    bounds = {}
    for f in schema:
        if pa.types.is_integer(f.type):
            bits = f.type.bit_width
            least, greatest = (
                (0, 2**bits - 1) if pa.types.is_unsigned_integer(f.type) else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
            )
            bounds[f.name] = (least, greatest, f.nullable)
    return bounds


_INT_BOUNDS = {table: _int_bounds(schema) for table, schema in SCHEMAS.items()}


def fit_record(table: str, record: Mapping[str, Any]) -> Mapping[str, Any]:
    """`record` with every integer its column cannot hold made null (or, in a column that
    takes no null, the nearest it can hold): a page that states "99999999999999999999
    views" must not make its whole batch of rows unwritable."""
    fixed: dict[str, Any] | None = None
    for name, (least, greatest, nullable) in _INT_BOUNDS[table].items():
        value = record.get(name)
        if isinstance(value, int) and not least <= value <= greatest:
            fixed = fixed if fixed is not None else dict(record)
            fixed[name] = None if nullable else min(max(value, least), greatest)
    return record if fixed is None else fixed


def column_docs(table: str) -> list[tuple[str, str, str]]:
    """(name, type, description) for each column of `table`, for documentation."""
    return [(f.name, str(f.type), f.metadata[b"description"].decode()) for f in SCHEMAS[table]]
