"""The commands that scale out: `worker`, `submit` and `status`, on Celery over Redis.

The Celery app and its task live in `blogarchive.cluster` (no Scrapy there either: a
task starts `blogarchive crawl` as its own process); this module is the command
line around them, imported only when one of these commands runs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .options import UsageError, add_s3_option, add_settings_option, gather_urls, parse_settings, positive_duration

__all__ = ["cmd_schedule", "cmd_status", "cmd_submit", "cmd_worker"]


def check_broker(url: str) -> str:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("redis", "rediss") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise UsageError(f"--broker must be a Redis URL like redis://HOST:6379/0, not {shown_broker(url)!r}")
    return url


def shown_broker(url: str) -> str:
    """`url` with its password masked, for messages."""
    head, at, tail = url.rpartition("@")
    if not at or "//" not in head:
        return url
    scheme, _, userinfo = head.partition("//")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}//{user + ':' if ':' in userinfo else ''}***@{tail}"


def _app(
    broker: str,
    visibility_timeout: float = 3600,
    allow_private: bool = False,
    archive: tuple[str, str | None] | None = None,
) -> Any:
    from blogarchive.cluster import make_app

    return make_app(check_broker(broker), visibility_timeout, allow_private, archive)


def check_submitted(settings: dict[str, str]) -> dict[str, str]:
    """The settings of a submitted crawl; UsageError naming those only a worker decides."""
    from blogarchive.cluster import refused_settings

    if refused := refused_settings(settings):
        raise UsageError(
            f"a submitted crawl cannot set {', '.join(refused)}: it would load code, name files, "
            "route requests or lift the address rules on the worker (see 'Safety and limits' in the README)"
        )
    return settings


def _reachable(broker: str) -> Any:
    import redis

    client = redis.Redis.from_url(broker, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        raise UsageError(f"cannot reach the broker at {shown_broker(broker)}: {exc}") from exc
    return client


def cmd_worker(args: argparse.Namespace) -> int:
    """Run site crawls from the queue until stopped; one crawl at a time per worker."""
    _reachable(check_broker(args.broker))
    app = _app(args.broker, args.visibility_timeout, args.allow_private, archive=shared_archive(args))
    name = args.name or f"blogarchive-{os.getpid()}@{socket.gethostname()}"
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            f"--loglevel={'INFO' if args.verbose else 'WARNING'}",
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
            "-Q",
            "blogarchive",
        ]
    )
    return 0


def shared_archive(args: argparse.Namespace) -> tuple[str, str | None]:
    """The shared archive as workers on any machine should name it, and its S3 endpoint:
    an absolute path (on a shared file system), or an s3:// prefix checked here, so a
    mistake fails now, with the endpoint this machine found (option or environment)."""
    from blogarchive.archive.location import is_remote, locate
    from blogarchive.archive.writer import check_archive_dir

    if not is_remote(args.out):
        return os.path.abspath(args.out), None
    location = check_archive_dir(locate(args.out, args.s3_endpoint))
    return location.uri, location.endpoint


def cmd_submit(args: argparse.Namespace) -> int:
    """Queue one crawl task per site."""
    urls, settings = site_request(args)
    _reachable(check_broker(args.broker))
    out, endpoint = shared_archive(args)
    app = _app(args.broker)
    for url in urls:
        app.crawl_site.delay(url, out, settings, endpoint)
    print(f"queued {len(urls)} site{'s' if len(urls) != 1 else ''} -> {out}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """Celery beat: submit every site again each `--every` seconds, until stopped."""
    urls, settings = site_request(args)
    _reachable(check_broker(args.broker))
    from blogarchive.cluster import site_key

    out, endpoint = shared_archive(args)
    app = _app(args.broker)
    app.conf.beat_schedule = {
        f"crawl {site_key(url)}": {
            "task": "blogarchive.crawl_site",
            "schedule": args.every,
            "args": (url, out, settings, endpoint),
        }
        for url in urls
    }
    print(f"submitting {len(urls)} site{'s' if len(urls) != 1 else ''} every {args.every:g}s -> {out}", flush=True)
    state = os.path.abspath(args.state_file)
    app.start(["beat", f"--schedule={state}", f"--loglevel={'INFO' if args.verbose else 'WARNING'}"])
    return 0


def site_request(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The sites and settings `submit` or `schedule` names, checked; UsageError for the first mistake."""
    settings = check_submitted({k: str(v) for k, v in parse_settings(args.set).items()})
    return gather_urls(args), settings


def cmd_status(args: argparse.Namespace) -> int:
    """Queued, running and finished sites, as the broker knows them."""
    from blogarchive.cluster import LOCK_PREFIX, STATUS_KEY

    client = _reachable(check_broker(args.broker))
    queued = client.llen("blogarchive")
    running = sorted(k.decode()[len(LOCK_PREFIX) :] for k in client.scan_iter(LOCK_PREFIX + "*"))
    statuses = {k.decode(): json.loads(v) for k, v in client.hgetall(STATUS_KEY).items()}
    done: dict[str, int] = {}
    for record in statuses.values():
        if record["status"] != "running":
            done[record["status"]] = done.get(record["status"], 0) + 1
    summary = " · ".join(
        [f"queued {queued}", f"running {len(running)}", *(f"{k} {v}" for k, v in sorted(done.items()))]
    )
    print(summary)
    for key in sorted(statuses):
        record = statuses[key]
        state = "running" if key in running else record["status"]
        where = f"on {record['worker']}" if state == "running" and record.get("worker") else record.get("detail", "")
        print(f"  {key:<32} {state:<12} {record['url']}  {where}".rstrip())
    return 0


def _add_broker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", required=True, metavar="URL", help="the Redis broker, redis://HOST:PORT/N")


def _add_site_options(parser: argparse.ArgumentParser) -> None:
    """What `submit` and `schedule` share: the sites, the shared archive, the broker, the settings."""
    parser.add_argument("urls", nargs="*", metavar="URL", help="start URL of a site")
    parser.add_argument("--sites", dest="input_file", metavar="FILE", help="read start URLs from FILE, one a line")
    parser.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="DIR",
        help="shared archive: a folder every worker sees, or s3://bucket/prefix; "
        "each site is archived in DIR/sites/HOST_PORT",
    )
    add_s3_option(parser)
    _add_broker(parser)
    add_settings_option(parser, "a setting for each site's crawl")


def add_parsers(commands: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    """The `worker`, `submit`, `schedule` and `status` subcommands."""
    worker = commands.add_parser(
        "worker",
        help="run site crawls from a Redis queue (a Celery worker)",
        epilog="example: blogarchive worker --out /shared/archive --broker redis://queue.example:6379/0",
    )
    _add_broker(worker)
    worker.add_argument("--name", metavar="NAME", help="worker name (default: blogarchive-PID@HOST)")
    worker.add_argument(
        "--visibility-timeout",
        type=positive_duration,
        default=3600,
        metavar="SECONDS",
        help="seconds before a dead worker's site goes to another worker (default 3600; "
        "every worker of a broker should use the same value)",
    )
    worker.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="DIR",
        help="the shared archive this worker writes (a folder or s3://bucket/prefix): it takes only "
        "tasks submitted with the same --out, and uses its own --s3-endpoint, never a task's",
    )
    add_s3_option(worker)
    worker.add_argument(
        "--allow-private",
        action="store_true",
        help="crawl start URLs at private and loopback addresses, and let crawls lead there "
        "(default: every address must be public; link-local and metadata ones never are)",
    )
    worker.add_argument("-v", "--verbose", action="store_true", help="Celery's log at INFO level")

    submit = commands.add_parser(
        "submit",
        help="queue one crawl task per site",
        epilog="example: blogarchive submit --sites sites.txt --out /shared/archive --broker redis://queue:6379/0",
    )
    _add_site_options(submit)

    schedule = commands.add_parser(
        "schedule",
        help="submit sites again and again (Celery beat)",
        epilog="example: blogarchive schedule --sites sites.txt --every 6h --out /shared/archive --broker redis://queue:6379/0",
    )
    _add_site_options(schedule)
    schedule.add_argument(
        "--every", required=True, type=positive_duration, metavar="DURATION", help="interval: 90s, 30m, 6h, 2d, 1w"
    )
    schedule.add_argument(
        "--state-file",
        default="blogarchive-beat-schedule",
        metavar="FILE",
        help="where beat remembers when each site was last submitted (default: ./blogarchive-beat-schedule)",
    )
    schedule.add_argument("-v", "--verbose", action="store_true", help="Celery's log at INFO level")

    status = commands.add_parser(
        "status",
        help="show queued, running and finished sites",
        epilog="example: blogarchive status --broker redis://queue:6379/0",
    )
    _add_broker(status)
    return {"worker": cmd_worker, "submit": cmd_submit, "schedule": cmd_schedule, "status": cmd_status}
