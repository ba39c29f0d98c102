"""The Flask app of `blogarchive serve`: routes and the view of the archive they read."""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import reduce
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
from flask import Flask, Response, abort, render_template, request, url_for
from werkzeug.exceptions import NotFound

from blogarchive.archive.errors import ArchiveError, FilesMoved
from blogarchive.archive.location import Location, Root, locate
from blogarchive.archive.reader import (
    committed_files,
    iter_pages,
    read_page_html,
    read_page_versions,
    read_table,
    run_ends,
)
from blogarchive.archive.schema import PAGE_TEXT_COLUMNS, SCHEMAS

from .blocks import text_blocks

__all__ = ["ArchiveView", "create_app", "diff_lines"]

T = TypeVar("T")

#: columns the UI shows: those of an export but the comments, validators and links; `html` is
#: read only for the raw view, one page at a time
VIEW_COLUMNS = [name for name in PAGE_TEXT_COLUMNS if name not in ("comments", "etag", "last_modified", "links")]
#: what the UI holds of every version: what the lists of sites, pages, versions and search
#: results show and filter on. The rest (the text above all) is read one page at a time, when it
#: is shown, or a row group at a time for a search: held for every version, a million pages'
#: texts took gigabytes and the first request 23 s
INDEX_COLUMNS = [
    "url",
    "host",
    "fetched_at",
    "page_type",
    "title",
    "author",
    "published",
    "word_count",
    "sitename",
    "language",
]
DETAIL_COLUMNS = [name for name in VIEW_COLUMNS if name not in INDEX_COLUMNS]
#: rows of search results shown
SEARCH_LIMIT = 200
#: pages of a site listed at once (a blog of 50,000 pages must stay usable)
PAGE_SIZE = 100
#: the orders of a site's pages: posts first, newest first (then the other pages by URL); or by title
SITE_ORDERS = ("date", "title")
#: what may load inside the UI's own pages: nothing from elsewhere, no scripts at all
UI_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'self'"
#: a raw capture: a sandbox (no scripts, no forms, a unique origin) that loads nothing from anywhere
RAW_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class MissingVersion(NotFound):
    """A version the page does not have (`?v=7` of a page of two versions, `?v=0`, `?v=x`):
    a 404 that says which versions there are, never the nearest one shown as if asked for."""

    def __init__(self, url: str, asked: str, count: int) -> None:
        versions = f"{count} version{'s' if count != 1 else ''}"
        super().__init__(f"The archive holds {versions} of this page (1 to {count}), not version {asked!r}.")
        self.url = url


@dataclass
class SitePages:
    total: int  # pages of the site
    rows: list[dict[str, Any]]  # those asked for


@dataclass
class _Snapshot:
    files: tuple[str, ...]
    versions: pa.Table  # every version, INDEX_COLUMNS, sorted by url then fetched_at
    latest: pa.Table  # the newest version of each url


class ArchiveView:
    """What the UI reads, rebuilt only when the archive's committed files change."""

    def __init__(self, root: Root) -> None:
        self.root: Location = locate(root)
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def snapshot(self) -> _Snapshot:
        files = tuple(committed_files(self.root, "pages"))
        with self._lock:
            if self._snapshot is None or self._snapshot.files != files:
                versions = _again_if_moved(lambda: read_table(self.root, "pages", INDEX_COLUMNS))
                versions = versions.take(pc.sort_indices(versions, [("url", "ascending"), ("fetched_at", "ascending")]))
                self._snapshot = _Snapshot(files, versions, _last_of_each_url(versions))
            return self._snapshot

    def sites(self) -> list[dict[str, Any]]:
        """Each site's pages, posts, last capture and name, counted in Arrow (a Python loop
        over a million pages took 2.7 s of serve's first request)."""
        latest = self.snapshot().latest.select(["host", "page_type", "fetched_at", "sitename"])
        latest = latest.append_column("post", pc.cast(pc.equal(latest["page_type"], "post"), pa.int64()))
        grouped = latest.group_by("host", use_threads=False).aggregate(
            [("host", "count"), ("post", "sum"), ("fetched_at", "max"), ("sitename", "first")]
        )
        sites = [
            {
                "host": row["host"],
                "pages": row["host_count"],
                "posts": row["post_sum"],
                "last": row["fetched_at_max"],
                "sitename": row["sitename_first"],
            }
            for row in grouped.to_pylist()
        ]
        return sorted(sites, key=lambda s: s["host"])

    def pages_of(self, host: str, order: str = "date", offset: int = 0, limit: int | None = None) -> SitePages:
        """`limit` of a site's pages from `offset`, in `order` (SITE_ORDERS): sorted and cut
        in Arrow, so that only the rows shown become Python objects."""
        latest = self.snapshot().latest
        pages = latest.filter(pc.equal(latest["host"], host)).select(
            ["url", "title", "published", "author", "word_count", "page_type"]
        )
        if order == "title":
            pages = pages.append_column("key", pc.utf8_lower(pc.coalesce(pages["title"], pages["url"])))
            keys = [("key", "ascending"), ("url", "ascending")]
        else:
            pages = pages.append_column("other", pc.not_equal(pages["page_type"], "post"))
            keys = [("other", "ascending"), ("published", "descending"), ("url", "ascending")]
        ordered = pages.take(pc.sort_indices(pages, keys))  # nulls (no title, no date) last
        shown = ordered.slice(offset, limit if limit is not None else ordered.num_rows)
        return SitePages(pages.num_rows, shown.drop_columns([shown.column_names[-1]]).to_pylist())

    def versions(self, url: str) -> list[dict[str, Any]]:
        """Every version of `url`, oldest first, with INDEX_COLUMNS (`with_details` adds the rest)."""
        versions = self.snapshot().versions
        return versions.filter(pc.equal(versions["url"], url)).to_pylist()

    def with_details(self, url: str, versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`versions` of `url` with the rest of their columns (DETAIL_COLUMNS: the text, the
        tags, ...), read from the archive now; a version a compaction moved meanwhile comes
        back without them (an empty text), never as an error."""
        times = [v["fetched_at"] for v in versions]
        nothing: dict[datetime, dict[str, Any]] = {}
        found = _again_if_moved(lambda: read_page_versions(self.root, url, times, DETAIL_COLUMNS), default=nothing)
        return [{**_MISSING_DETAILS, **v, **found.get(v["fetched_at"], {})} for v in versions]

    def search(self, query: str, filters: SearchFilters | None = None) -> list[dict[str, Any]]:
        """The latest version of every page whose title or text holds `query` (any case) and
        that passes `filters`; with no query, every page that passes them (none without either).

        The filters apply to the latest versions held in memory; the texts are then read a
        row group at a time, and only the snippets of the matches are kept (a million
        pages' texts are gigabytes)."""
        latest = self.snapshot().latest
        needle = query.strip()
        filters = filters or SearchFilters()
        if not (needle or filters.any()) or not latest.num_rows:
            return []
        conditions = []
        if filters.host:
            conditions.append(pc.equal(latest["host"], filters.host))
        if filters.language:
            conditions.append(pc.equal(latest["language"].fill_null(""), filters.language))
        published = latest["published"]
        if filters.start is not None:
            conditions.append(pc.greater_equal(published, pa.scalar(filters.start, published.type)))
        if filters.end is not None:  # the whole day of `end` (9999-12-31 has no next day to stop before)
            last = filters.end.replace(hour=23, minute=59, second=59, microsecond=999999)
            conditions.append(pc.less_equal(published, pa.scalar(last, published.type)))
        candidates = latest.select(["url", "fetched_at", "host", "title", "published", "word_count"])
        if conditions:  # an undated page is outside any date range
            candidates = candidates.filter(reduce(pc.and_, conditions).fill_null(False))
        if not candidates.num_rows:
            return []
        narrowed = candidates.num_rows < latest.num_rows
        snippets = _again_if_moved(lambda: self._snippets(candidates if narrowed else None, needle))
        found = candidates.join(snippets, keys=["url", "fetched_at"], join_type="inner")
        # by title (untitled pages last, by URL), cut in Arrow: only the rows shown become Python objects
        order = pc.sort_indices(found, [("title", "ascending"), ("url", "ascending")])
        rows = found.take(order.slice(0, SEARCH_LIMIT)).to_pylist()
        for row in rows:
            del row["fetched_at"]
            row["snippet"] = marked(" ".join(row["snippet"].split()), needle)
            row["title_parts"] = marked(row["title"] or row["url"], needle)
        return rows

    def _snippets(self, candidates: pa.Table | None, needle: str) -> pa.Table:
        """(url, fetched_at, snippet) of the versions whose title or text holds `needle`
        (every version without one), of `candidates` only when given (else the caller's join
        keeps the latest), read a row group at a time: the snippets are kept, not the texts."""
        wanted = _version_keys(candidates) if candidates is not None else None
        parts = []
        for batch in iter_pages(self.root, ["url", "fetched_at", "title", "text"]):
            if needle:
                title, text = batch["title"].fill_null(""), batch["text"]
                matches = pc.or_(
                    pc.match_substring(title, needle, ignore_case=True),
                    pc.match_substring(text, needle, ignore_case=True),
                )
                batch = batch.filter(matches)
            if wanted is not None and batch.num_rows:
                batch = batch.filter(pc.is_in(_version_keys(batch), value_set=wanted))
            if not batch.num_rows:
                continue
            if needle:
                cut = pa.array([snippet(text, needle) for text in batch["text"].to_pylist()], pa.string())
            else:  # the start of the text: what `snippet` shows without a needle
                cut = pc.utf8_slice_codeunits(batch["text"], 0, 180)
            parts.append(batch.select(["url", "fetched_at"]).append_column("snippet", cut))
        if not parts:
            schema = pa.schema(
                [SCHEMAS["pages"].field("url"), SCHEMAS["pages"].field("fetched_at"), ("snippet", pa.string())]
            )
            return schema.empty_table()
        return pa.concat_tables(parts)

    def languages(self) -> list[str]:
        """The languages of the latest versions, for the search form."""
        values = pc.unique(self.snapshot().latest["language"].drop_null()).to_pylist()
        return sorted(values)


@dataclass(frozen=True)
class SearchFilters:
    """What a search may be narrowed to: one site, a range of publication days, a language."""

    host: str = ""
    start: datetime | None = None
    end: datetime | None = None
    language: str = ""

    def any(self) -> bool:
        return bool(self.host or self.start or self.end or self.language)


class BadFilter(ValueError):
    """A search filter that cannot be read (a date not written YYYY-MM-DD)."""


def search_filters(arguments: Mapping[str, str]) -> SearchFilters:
    """The filters of a search's query string; BadFilter for a date that is not YYYY-MM-DD."""

    def day(name: str) -> datetime | None:
        value = arguments.get(name, "").strip()
        if not value:
            return None
        try:
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            raise BadFilter(f"{name!r} must be a date written YYYY-MM-DD, not {value[:40]!r}") from None

    return SearchFilters(
        arguments.get("site", "").strip(), day("from"), day("to"), arguments.get("lang", "").strip().lower()
    )


#: what a version read back without its details shows
_MISSING_DETAILS: dict[str, Any] = {
    name: ""
    if name == "text"
    else []
    if pa.types.is_list(SCHEMAS["pages"].field(name).type) and name != "line_kinds"
    else None
    for name in DETAIL_COLUMNS
}


def _again_if_moved(read: Callable[[], T], default: T | None = None) -> T:
    """`read()`, once more if a compaction replaced a file it had listed (the second listing
    sees the new files); then `default`, or the one-line error, if it happens again."""
    try:
        return read()
    except FilesMoved:
        pass
    try:
        return read()
    except FilesMoved:
        if default is None:
            raise
        return default


def _last_of_each_url(versions: pa.Table) -> pa.Table:
    """The newest version of each URL of `versions` sorted by URL then time: the last row of
    each run of one URL (no second sort)."""
    return versions.filter(run_ends(versions["url"]))


def _version_keys(table: pa.Table) -> pa.Array:
    """One string per row naming its version: its URL and capture time (microseconds)."""
    micros = pc.cast(pc.cast(table["fetched_at"], pa.int64()), pa.string())
    return pc.binary_join_element_wise(table["url"], micros, "\x00").combine_chunks()


def snippet(text: str, needle: str, width: int = 90) -> str:
    """The text around the first match of `needle`, on one line."""
    at = text.lower().find(needle.lower()) if needle else -1
    if at < 0:
        return " ".join(text[: 2 * width].split())
    start = max(0, at - width)
    return ("… " if start else "") + " ".join(text[start : at + len(needle) + width].split()) + " …"


def marked(text: str, needle: str) -> list[tuple[str, bool]]:
    """`text` cut into (part, matches) pieces: every occurrence of `needle`, in any case, is a
    piece of its own, for the template to highlight (each piece escaped on its own)."""
    if not needle:
        return [(text, False)]
    pieces, at, lowered, wanted = [], 0, text.lower(), needle.lower()
    while (found := lowered.find(wanted, at)) >= 0:
        if found > at:
            pieces.append((text[at:found], False))
        pieces.append((text[found : found + len(needle)], True))
        at = found + len(needle)
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """(op, line) for a line diff of two texts: op is ' ', '-' or '+' (removed lines
    before added ones). Lines are paragraphs, so a line-level diff reads naturally."""
    before, after = old.splitlines(), new.splitlines()
    result: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag == "equal":
            result += [(" ", line) for line in before[i1:i2]]
        else:
            result += [("-", line) for line in before[i1:i2]] + [("+", line) for line in after[j1:j2]]
    return result


#: the host names `serve` answers to: it listens on 127.0.0.1 only
SERVED_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def create_app(root: Root, hosts: frozenset[str] = SERVED_HOSTS) -> Flask:
    app = Flask(__name__)
    view = ArchiveView(root)
    app.config["ARCHIVE_VIEW"] = view

    @app.before_request
    def known_host() -> Response | None:
        # a page in the user's browser whose own name resolves to 127.0.0.1 (DNS
        # rebinding) sends its own name as the Host: it gets nothing from the archive
        try:
            name = urlsplit(f"//{request.host}").hostname
        except ValueError:
            name = None
        if name not in hosts:
            return Response(
                f"Misdirected request: this server answers to {', '.join(sorted(hosts))} only\n",
                status=421,
                mimetype="text/plain",
            )
        return None

    @app.after_request
    def policy(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", UI_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.template_filter("when")
    def when(value: datetime | None, fmt: str = "%Y-%m-%d") -> str:
        return value.strftime(fmt) if value else ""

    @app.route("/")
    def sites() -> str:
        return render_template("sites.html", archive=str(view.root), sites=view.sites())

    @app.route("/site/<host>")
    def site(host: str) -> str:
        order, asked = request.args.get("sort", "date"), request.args.get("page", "1")
        if order not in SITE_ORDERS or not (asked.isascii() and asked.isdigit()) or int(asked) < 1:
            abort(404)
        number = int(asked)
        first = (number - 1) * PAGE_SIZE
        pages = view.pages_of(host, order, first, PAGE_SIZE)
        if not pages.rows:  # no such site, or past its last page
            abort(404)
        return render_template(
            "site.html",
            host=host,
            pages=pages.rows,
            total=pages.total,
            first=first + 1,
            number=number,
            last=(pages.total + PAGE_SIZE - 1) // PAGE_SIZE,
            order=order,
        )

    def requested() -> tuple[str, list[dict[str, Any]]]:
        """The `url` of the query string and its versions; 404 when the archive has none."""
        url = request.args.get("url", "")
        versions = view.versions(url)
        if not versions:
            abort(404)
        return url, versions

    @app.route("/page")
    def page() -> str:
        url, versions = requested()
        number = _version_number(url, request.args.get("v"), len(versions))
        [shown] = view.with_details(url, [versions[number - 1]])
        return render_template(
            "page.html",
            page=shown,
            blocks=text_blocks(shown["text"], shown.get("line_kinds")),
            number=number,
            versions=versions,
            raw_url=url_for("raw", url=url, v=number),
        )

    @app.route("/diff")
    def diff() -> str:
        url, versions = requested()
        a = _version_number(url, request.args.get("a"), len(versions), default=max(1, len(versions) - 1))
        b = _version_number(url, request.args.get("b"), len(versions))
        old, new = view.with_details(url, [versions[a - 1], versions[b - 1]])
        lines = diff_lines(old["text"], new["text"])
        if (old["title"] or "") != (new["title"] or ""):
            lines = [("-", f"# {old['title'] or ''}"), ("+", f"# {new['title'] or ''}"), (" ", "")] + lines
        return render_template("diff.html", url=url, versions=versions, a=a, b=b, lines=lines, page=new)

    @app.route("/raw")
    def raw() -> Response:
        url, versions = requested()
        number = _version_number(url, request.args.get("v"), len(versions))
        html = read_page_html(view.root, url, versions[number - 1]["fetched_at"])
        if html is None:
            abort(404)
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = RAW_POLICY
        return response

    @app.route("/search")
    def search() -> str | tuple[str, int]:
        query = request.args.get("q", "")
        form = {"sites": [site["host"] for site in view.sites()], "languages": view.languages()}
        try:
            filters = search_filters(request.args)
        except BadFilter as error:
            context = {"query": query, "results": [], "filters": SearchFilters(), "error": str(error)}
            return render_template("search.html", **context, **form, limit=SEARCH_LIMIT), 400
        return render_template(
            "search.html",
            query=query,
            filters=filters,
            results=view.search(query, filters),
            limit=SEARCH_LIMIT,
            **form,
        )

    @app.errorhandler(ArchiveError)
    def unreadable(error: ArchiveError) -> Response:
        # a damaged file names itself and what to run, once per request, without a traceback
        app.logger.error("%s", error)
        return Response(f"The archive cannot be read: {error}\n", status=500, mimetype="text/plain")

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        if isinstance(error, MissingVersion):
            latest = url_for("page", url=error.url)
            return render_template("base.html", missing=True, detail=error.description, latest=latest), 404
        return render_template("base.html", missing=True), 404

    return app


def _version_number(url: str, value: str | None, count: int, default: int | None = None) -> int:
    """A 1-based version number from the query string, the latest (or `default`) when absent;
    MissingVersion (404) for one the page does not have."""
    if value is None:
        return default or count
    try:
        number = int(value)
    except ValueError:
        raise MissingVersion(url, value[:40], count) from None
    if not 1 <= number <= count:
        raise MissingVersion(url, value[:40], count)
    return number
