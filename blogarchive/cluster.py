"""Crawls of many sites on many machines: Celery tasks over a Redis broker, one site per task.

A task runs one site's crawl as its own process (`python -m blogarchive.cli crawl`: the
Twisted reactor cannot restart, and a crawl that dies takes nothing else with it)
into that site's own archive, `OUT/sites/<host>_<port>/`, with the same semantics as
`blogarchive crawl`: incremental, crash-safe, one `pages` row per version.

- Tasks are acknowledged late and rejected when their worker is lost, so a worker
  killed mid-crawl leaves its task in Redis, where another worker takes it up after
  the visibility timeout and resumes the site: pages already stored come back
  `unchanged`, half-written files are removed, the dead crawl is marked interrupted.
- A site is crawled by at most one worker at a time, across machines: a Redis lock
  per host with an expiry, renewed while the crawl runs. A task that finds its site
  locked is retried later.
- The crawl process dies with its worker (PR_SET_PDEATHSIG), so a killed worker
  leaves no crawl behind holding the site's archive.

No Scrapy here: workers only start crawl processes.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from celery import Celery

from blogarchive.archive.exits import STATUS_FOR, Exit
from blogarchive.archive.location import is_remote

__all__ = ["make_app", "refused_settings", "site_folder", "site_key", "LOCK_PREFIX", "STATUS_KEY"]

#: Redis keys: one lock per site, one hash of the latest outcome per site
LOCK_PREFIX = "blogarchive:site-lock:"
STATUS_KEY = "blogarchive:site-status"
#: seconds a site lock lives without renewal (a dead worker's lock lapses after this)
LOCK_SECONDS = 60


#: the settings a submitted crawl may set (by name, or by a prefix ending in "_"): they tune
#: a crawl. Every other setting stays the worker's: one that loads code (pipelines,
#: middlewares, handlers), names a file (LOG_FILE), an archive or a proxy, or lifts the
#: address rules would hand whoever can submit a URL the worker's machine and network.
SUBMITTABLE_SETTINGS = (
    "CRAWL_",
    "EXTRACTION_",
    "AUTOTHROTTLE_",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "RANDOMIZE_DOWNLOAD_DELAY",
    "RETRY_TIMES",
    "REDIRECT_MAX_TIMES",
    "ROBOTSTXT_OBEY",
    "USER_AGENT",
    "LOG_LEVEL",
    "ARCHIVE_FLUSH_",
    "ARCHIVE_ROW_GROUP_ROWS",
    "ARCHIVE_WARC",
    "ARCHIVE_WARC_MAX_BYTES",
)
#: ... except these, which only the worker's own `--allow-private` decides, or which route requests
WORKER_ONLY_SETTINGS = frozenset({"CRAWL_ALLOW_PRIVATE", "CRAWL_PRIVATE_SEEDS", "CRAWL_HOST_PROXIES"})


def refused_settings(settings: dict[str, str]) -> list[str]:
    """The names in `settings` that a submitted crawl may not set, sorted."""

    def allowed(name: str) -> bool:
        return name not in WORKER_ONLY_SETTINGS and any(
            name.startswith(entry) if entry.endswith("_") else name == entry for entry in SUBMITTABLE_SETTINGS
        )

    return sorted(name for name in settings if not allowed(name))


def site_key(url: str) -> str:
    """The site of `url` as `host_port`, lower-case, safe as a folder and key name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return re.sub(r"[^a-z0-9.-]", "_", f"{host}_{port}")


def site_folder(out: str, url: str) -> str:
    """Where the site's archive lives under the shared archive `out` (a folder or s3://)."""
    return f"{out.rstrip('/')}/sites/{site_key(url)}"


def _die_with_parent() -> None:
    """In the crawl process: get SIGKILL when the worker that started it dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the crawl outlives a killed worker, and its lock tells the next one to wait


def make_app(
    broker: str,
    visibility_timeout: float = 3600,
    allow_private: bool = False,
    archive: tuple[str, str | None] | None = None,
) -> Celery:
    """The Celery app on `broker` (redis://host:port/db), with the crawl task. A worker
    whose app has `allow_private` crawls start URLs at private addresses too; one given
    `archive` (the shared archive and its S3 endpoint, the worker's own) takes only tasks
    for that archive and uses that endpoint, whatever a task says."""
    app = Celery("blogarchive", broker=broker, backend=None)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="blogarchive",
        # a dead worker's task goes back to the queue once unacknowledged for
        # visibility_timeout; live workers sweep for such tasks every restore interval
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": min(10.0, max(1.0, visibility_timeout / 4)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task(name="blogarchive.crawl_site", bind=True, max_retries=None)
    def crawl_site(
        task: Any, url: str, out: str, settings: dict[str, str] | None = None, s3_endpoint: str | None = None
    ) -> str:
        redis = _redis(app)
        key = site_key(url)
        if archive is not None:
            if out != archive[0]:  # a task may come from anyone who can reach the broker
                _status(
                    redis,
                    key,
                    "refused",
                    url,
                    [f"this worker writes {archive[0]}, not {out}"],
                    worker=task.request.hostname or "",
                )
                return "refused"
            s3_endpoint = archive[1]
        lock = redis.lock(LOCK_PREFIX + key, timeout=LOCK_SECONDS, blocking=False)
        if not lock.acquire():
            raise task.retry(countdown=2)  # another worker crawls this site now
        worker = task.request.hostname or ""
        _status(redis, key, "running", url, worker=worker)
        stop, lost = threading.Event(), threading.Event()
        crawl: list[subprocess.Popen[str]] = []
        renewer = threading.Thread(target=_renew, args=(lock, stop, lost, crawl), daemon=True)
        renewer.start()
        try:
            command = [sys.executable, "-m", "blogarchive.cli", "crawl", "--out", site_folder(out, url)]
            refused = refused_settings(settings or {})
            for name, value in (settings or {}).items():
                if name not in refused:  # `submit` refuses them; a task may come from elsewhere
                    command += ["-s", f"{name}={value}"]
            if "EXTRACTION_PROCESSES" not in (settings or {}):
                # one site per worker, one worker per core: a crawl's own pool would only add
                # two processes to start (0.5 s of CPU) and hold (130 MB each) per site
                command += ["-s", "EXTRACTION_PROCESSES=0"]
            command += ["--allow-private"] if allow_private else ["-s", "CRAWL_PRIVATE_SEEDS=false"]
            if is_remote(out):
                # the Redis lock we hold is the site's lock: an object store's lease left by a
                # killed crawl would hold up the resume until it lapsed
                command += ["--lock-held"]
                if s3_endpoint:
                    command += ["--s3-endpoint", s3_endpoint]
            else:
                Path(out, "sites").mkdir(parents=True, exist_ok=True)
            command += ["--", url]  # whatever it holds, the task's URL is no option
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=_die_with_parent,
                # the worker's folder is not put first on the crawl's sys.path (Python 3.11+): a folder
                # there named `blogarchive` (an archive) would hide the package of an editable install
                env={**os.environ, "PYTHONSAFEPATH": "1"},
            )
            crawl.append(process)
            stdout, stderr = process.communicate()
            result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        finally:
            stop.set()
            renewer.join()
            _release(lock)
        if result.returncode == Exit.LOCKED or lost.is_set():
            raise task.retry(countdown=2)
        outcome = STATUS_FOR.get(result.returncode, f"exit {result.returncode}")
        _status(redis, key, outcome, url, (result.stdout or result.stderr).strip().splitlines()[-1:], worker=worker)
        return outcome

    app.crawl_site = crawl_site
    return app


def _redis(app: Celery) -> Any:
    """A Redis client on the broker's server (the locks and statuses live beside the queue)."""
    import redis

    return redis.Redis.from_url(app.conf.broker_url)


def _release(lock: Any) -> None:
    """Release the site lock, unless it lapsed meanwhile (Redis unreachable for a minute)."""
    from redis.exceptions import LockError

    try:
        lock.release()
    except LockError:
        pass


def _renew(lock: Any, stop: threading.Event, lost: threading.Event, crawl: list[subprocess.Popen[str]]) -> None:
    """Keep the site lock while the crawl runs. A lock that cannot be kept (it lapsed, Redis
    is gone) may be another worker's by now, so the crawl is stopped (SIGTERM: it ends
    `interrupted`) and the task retried: it resumes the site once it holds the lock again."""
    from redis.exceptions import LockError, RedisError

    while not stop.wait(LOCK_SECONDS / 3):
        try:
            lock.extend(LOCK_SECONDS, replace_ttl=True)
        except (LockError, RedisError):
            lost.set()
            if crawl and crawl[0].poll() is None:
                crawl[0].terminate()
            return


def _status(redis: Any, key: str, status: str, url: str, detail: list[str] | None = None, worker: str = "") -> None:
    record = {"status": status, "url": url, "at": time.time(), "detail": (detail or [""])[0], "worker": worker}
    redis.hset(STATUS_KEY, key, json.dumps(record))
