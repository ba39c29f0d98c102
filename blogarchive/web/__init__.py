"""`blogarchive serve`: a small read-only web UI over an archive, on 127.0.0.1.

Sites, then a site's pages, then one page: its clean text and metadata, its versions
with a diff between any two, and its raw capture. The capture is shown in an
`<iframe sandbox>` and served with `Content-Security-Policy: sandbox`, so no script of
an archived page runs, inside the frame or opened on its own. Jinja escapes every
value (autoescape), so nothing in a page can inject markup into the UI.

It reads through the archive's reader API (`archive.reader`), so it works while a crawl
writes: each request sees the files committed so far. What it derived from them (the
latest version of each page, the versions index) is cached and rebuilt when the set of
committed files changes.
"""

from .app import create_app

__all__ = ["create_app"]
