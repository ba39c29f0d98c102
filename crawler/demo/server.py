"""A static site server on 127.0.0.1 for the demo and the tests (standard library only).

Serves a folder: a request path P maps to the first existing file of P,
P.html and P/index.html. The placeholder `__BASE__` in text files becomes the
server's base URL, so sitemaps, feeds and robots.txt carry absolute URLs. With
`public_url` that base is a fixed name (the demo's), whatever port the server has:
the crawler reaches it with the server as its proxy.
Extra routes (path -> handler function) let tests serve misbehaving pages.
With `validators=True` files carry an ETag and a Last-Modified header and the
server answers conditional requests with 304, as most blog hosts do.
"""

from __future__ import annotations

import hashlib
import mimetypes
import socket
import threading
import time
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

Route = Callable[[BaseHTTPRequestHandler], None]

_TEXT_SUFFIXES = {".html", ".xml", ".txt", ".json", ".rss", ".atom"}
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
}


class _IPv6HTTPServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class SiteServer:
    """`with SiteServer(folder) as site: site.base_url` serves `folder` until the block ends."""

    def __init__(
        self,
        root: Path | str | None = None,
        routes: dict[str, Route] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        validators: bool = False,
        delay: float = 0.0,
        public_url: str | None = None,
    ) -> None:
        self.root = Path(root).resolve() if root is not None else None
        self.routes = dict(routes or {})
        self.validators = validators
        #: seconds each file response waits (a slow host, for crash and lock tests)
        self.delay = delay
        #: paths of the requests that were conditional (If-None-Match / If-Modified-Since)
        self.conditional: list[str] = []
        #: (path, User-Agent) of every request, in arrival order
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("User-Agent")))
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    server.conditional.append(self.path)
                path = unquote(urlsplit(self.path).path)
                route = (
                    server.routes.get(path)
                    or next(  # "/prefix/*" serves every path under it
                        (
                            r
                            for prefix, r in server.routes.items()
                            if prefix.endswith("*") and path.startswith(prefix[:-1])
                        ),
                        None,
                    )
                )
                if route is not None:
                    route(self)
                    return
                server._serve_file(self, path)

            def log_message(self, format: str, *args: object) -> None:
                pass

        ThreadingHTTPServer.request_queue_size = 128  # the default of 5 drops connections under a crawl
        server_class = _IPv6HTTPServer if ":" in host else ThreadingHTTPServer
        self.httpd = server_class((host, port), Handler)
        self.httpd.daemon_threads = True
        #: where the server listens
        self.address = f"http://{f'[{host}]' if ':' in host else host}:{self.httpd.server_address[1]}"
        #: the site's URLs: the listening address, or `public_url`, a fixed name whose requests
        #: reach this server as a proxy (absolute-form request targets, see `HostProxyMiddleware`)
        self.base_url = (public_url or self.address).rstrip("/")
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="site-server", daemon=True)

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return self.base_url + path

    def _find(self, path: str) -> Path | None:
        if self.root is None:
            return None
        relative = path.lstrip("/")
        for candidate in (relative, relative + ".html", (relative.rstrip("/") + "/index.html").lstrip("/")):
            file = (self.root / candidate).resolve()
            if file.is_file() and self.root in file.parents:
                return file
        return None

    def _serve_file(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        if self.delay:
            time.sleep(self.delay)
        file = self._find(path)
        if file is None:
            send(handler, 404, b"<html><body><h1>Not found</h1></body></html>", "text/html; charset=utf-8")
            return
        body = file.read_bytes()
        if file.suffix in _TEXT_SUFFIXES:
            body = body.replace(b"__BASE__", self.base_url.encode())
        content_type = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if not self.validators:
            send(handler, 200, body, content_type)
            return
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        mtime = int(file.stat().st_mtime)
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if _not_modified(handler, etag, mtime):
            send(handler, 304, b"", None, headers)
        else:
            send(handler, 200, body, content_type, headers)


def _not_modified(handler: BaseHTTPRequestHandler, etag: str, mtime: int) -> bool:
    match = handler.headers.get("If-None-Match")
    if match is not None:
        return etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
    since = handler.headers.get("If-Modified-Since")
    if since:
        try:
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str] | None = None,
) -> None:
    """Write one whole HTTP response."""
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    if status != 304:
        handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
