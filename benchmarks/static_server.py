"""A fast static server on loopback for benchmarks: nginx when it is installed
(Debian's `nginx-light`), answering conditional requests with 304 as blog hosts do.

Python's http.server tops out near 200 requests/s here, which would measure the
server instead of the crawler.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

NGINX_CONF = """
daemon off;
user {user};
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format bench '$request_uri $status "$http_if_none_match" "$http_if_modified_since"';
    access_log {tmp}/access.log bench;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    etag on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri $uri.html $uri/index.html =404; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_available() -> bool:
    return shutil.which("nginx") is not None and Path("/etc/nginx/mime.types").exists()


class NginxServer:
    """`with NginxServer(folder, port) as server:` serves `folder` at server.base_url."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = Path(root).resolve()
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._tmp = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> NginxServer:
        conf = self._tmp / "nginx.conf"
        # workers run as this user, so they can read a private temporary folder
        conf.write_text(NGINX_CONF.format(tmp=self._tmp, port=self.port, root=self.root, user=getpass.getuser()))
        self._process = subprocess.Popen(
            [shutil.which("nginx"), "-c", str(conf), "-p", str(self._tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {(self._tmp / 'error.log').read_text()}")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> list[tuple[str, bool]]:
        """(path, was conditional) of every request so far."""
        path = self._tmp / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        entries = []
        for line in lines:
            request, _status, rest = line.split(" ", 2)
            entries.append((request, rest != '"-" "-"'))
        return entries
