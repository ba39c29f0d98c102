"""Many sites on several workers: real Celery workers over a real redis-server on
loopback, real crawls of real sites; one worker killed with SIGKILL mid-crawl."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blogarchive.crawler.demo.server import SiteServer

from .conftest import ROOT, free_port, require_server, run_blogarchive, write_site

POSTS = 6
SITES = 20
CRAWL_SETTINGS = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "EXTRACTION_PROCESSES=0",
    "-s",
    "RETRY_TIMES=0",
]


def sql(query: str) -> list[tuple]:
    """DuckDB over the Parquet files a query names (a shared archive has one folder per site)."""
    import duckdb

    with duckdb.connect() as con:
        return con.execute(query).fetchall()


@pytest.fixture(scope="module")
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        require_server("redis-server", "apt-get install redis-server; .ci/run installs it")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return client


def blog(tmp_path):
    posts = {
        f"post-{n}.html": f"<html><head><title>Post {n}</title></head><body><article><h1>Post {n}</h1>"
        f"<p>Post {n} is about the harbour at dawn, the ferries, the gulls and the fish market, in a paragraph "
        f"long enough to be kept by the extractor as the main text of the page.</p></article></body></html>"
        for n in range(POSTS)
    }
    links = "".join(f'<li><a href="/post-{n}">Post {n}</a></li>' for n in range(POSTS))
    index = f"<html><body><main><h1>A small blog</h1><ul>{links}</ul></main></body></html>"
    return write_site(tmp_path / "blog", {"index.html": index, **posts})


class Workers:
    """`blogarchive worker` processes, all stopped (and their crawls with them) at the end."""

    def __init__(
        self,
        broker: str,
        count: int,
        visibility_timeout: float,
        out,
        options: list[str] = (),
        allow_private: bool = True,
    ) -> None:
        # the test sites are on loopback: workers take such start URLs only with --allow-private
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "blogarchive.cli",
                    "worker",
                    "--broker",
                    broker,
                    "--name",
                    f"w{n}@test",
                    "--visibility-timeout",
                    str(visibility_timeout),
                    "--out",
                    str(out),
                    *options,
                    *(["--allow-private"] if allow_private else []),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(count)
        ]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def statuses(client) -> dict[str, dict]:
    return {k.decode(): json.loads(v) for k, v in client.hgetall("blogarchive:site-status").items()}


def wait_until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {message}")
        time.sleep(0.2)


class FolderStore:
    """The shared archive as a folder all workers see (one machine here; NFS in real life)."""

    def __init__(self, tmp_path) -> None:
        self.out = tmp_path / "shared"
        self.options: list[str] = []

    def has_files(self, site: str, table: str) -> bool:
        return bool(list((self.out / "sites" / site / table).glob("*.parquet")))

    def query(self, table: str, query: str) -> list[tuple]:
        return sql(query.replace("{table}", f"read_parquet('{self.out}/sites/*/{table}/*.parquet')"))


class ObjectStore:
    """The shared archive on the S3 server: read back with pyarrow's S3 filesystem, queried by DuckDB."""

    def __init__(self, s3) -> None:
        self.s3 = s3
        self.out = s3.uri("shared")
        self.options = ["--s3-endpoint", s3.endpoint]

    def has_files(self, site: str, table: str) -> bool:
        return any(key.endswith(".parquet") for key in self.s3.keys(f"shared/sites/{site}/{table}"))

    def query(self, table: str, query: str) -> list[tuple]:
        import duckdb

        with duckdb.connect() as con:
            con.register("rows", self.s3.table("shared/sites", table))
            return con.execute(query.replace("{table}", "rows")).fetchall()


@pytest.mark.parametrize("store", ["folder", "s3"])
def test_sites_survive_a_killed_worker_and_every_page_is_stored_once(redis_url, redis_client, tmp_path, request, store):
    shared = FolderStore(tmp_path) if store == "folder" else ObjectStore(request.getfixturevalue("s3"))
    root = blog(tmp_path)
    servers = [SiteServer(root, delay=0.15).start() for _ in range(SITES)]
    workers = Workers(redis_url, 3, visibility_timeout=6, out=shared.out, options=shared.options)
    try:
        result = run_blogarchive(
            "submit",
            *(s.url("/") for s in servers),
            "--out",
            str(shared.out),
            "--broker",
            redis_url,
            *shared.options,
            *CRAWL_SETTINGS,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"queued {SITES} sites")

        # kill worker 0 in the middle of a crawl: once its site's crawl has written its first row
        def victim_mid_crawl() -> bool:
            running = [
                key
                for key, r in statuses(redis_client).items()
                if r["status"] == "running" and r["worker"] == "w0@test"
            ]
            return any(shared.has_files(key, "crawls") for key in running)

        wait_until(victim_mid_crawl, 60, "worker 0 crawling")
        workers.processes[0].send_signal(signal.SIGKILL)
        workers.processes[0].wait()
        wait_until(
            lambda: sum(r["status"] == "finished" for r in statuses(redis_client).values()) == SITES,
            240,
            f"{SITES} sites finished: {statuses(redis_client)}",
        )
        status = run_blogarchive("status", "--broker", redis_url)
    finally:
        workers.stop()
        for server in servers:
            server.stop()
    assert status.returncode == 0 and status.stdout.startswith("queued 0 · running 0 · finished 20"), status.stdout
    per_url = shared.query("pages", "SELECT url, count(*) FROM {table} GROUP BY url")
    assert len(per_url) == SITES * (POSTS + 1)  # every page of every site...
    assert all(count == 1 for _, count in per_url)  # ...exactly once
    crawls = shared.query("crawls", "SELECT status FROM {table}")
    assert ("interrupted",) in crawls  # the kill hit a crawl, which another worker resumed


def test_one_site_is_never_crawled_twice_at_once(redis_url, redis_client, tmp_path):
    with SiteServer(blog(tmp_path), delay=0.2) as site:
        out = tmp_path / "shared"
        workers = Workers(redis_url, 2, visibility_timeout=60, out=out)
        try:
            for _ in range(2):
                assert (
                    run_blogarchive(
                        "submit", site.url("/"), "--out", str(out), "--broker", redis_url, *CRAWL_SETTINGS
                    ).returncode
                    == 0
                )
            folder = f"{out}/sites/*/crawls/*.parquet"
            wait_until(lambda: len(_finished(out, folder)) == 2, 120, "both crawls finished")
        finally:
            workers.stop()
    (first_start, first_end), (second_start, second_end) = sorted(_finished(out, folder))
    assert first_end <= second_start  # one after the other, never at once
    # the second crawl found the first one's pages unchanged: still one row per page
    pages = sql(f"SELECT count(*), count(DISTINCT url) FROM read_parquet('{out}/sites/*/pages/*.parquet')")
    assert pages == [(POSTS + 1, POSTS + 1)]


def test_a_worker_takes_private_start_urls_only_when_started_with_allow_private(redis_url, redis_client, tmp_path):
    """Whoever can submit a URL must not reach the worker's own network through it."""
    with SiteServer(blog(tmp_path)) as site:
        out = tmp_path / "shared"
        workers = Workers(redis_url, 1, visibility_timeout=60, out=out, allow_private=False)
        try:
            assert (
                run_blogarchive(
                    "submit", site.url("/"), "--out", str(out), "--broker", redis_url, *CRAWL_SETTINGS
                ).returncode
                == 0
            )
            wait_until(
                lambda: any(r["status"] not in ("queued", "running") for r in statuses(redis_client).values()),
                120,
                "the crawl ended",
            )
        finally:
            workers.stop()
    (status,) = statuses(redis_client).values()
    assert status["status"] == "failed", status
    outcomes = sql(f"SELECT outcome, reason FROM read_parquet('{out}/sites/*/fetches/*.parquet') WHERE kind = 'page'")
    assert outcomes and all(outcome == "blocked" and "loopback" in reason for outcome, reason in outcomes), outcomes


@pytest.mark.parametrize(
    "setting",
    [
        'ITEM_PIPELINES={"os.system": 1}',
        "LOG_FILE=/tmp/x",
        "CRAWL_ALLOW_PRIVATE=true",
        'CRAWL_HOST_PROXIES={"a.example": "http://10.0.0.1:3128"}',
        "DOWNLOADER_MIDDLEWARES={}",
        "ARCHIVE_DIR=/tmp/elsewhere",
    ],
)
def test_submit_refuses_settings_that_only_a_worker_may_decide(tmp_path, setting):
    result = run_blogarchive(
        "submit",
        "https://blog.example/",
        "--out",
        str(tmp_path),
        "--broker",
        f"redis://127.0.0.1:{free_port()}/0",
        "-s",
        setting,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"cannot set {setting.split('=')[0]}" in result.stderr


def test_a_worker_takes_only_tasks_for_its_own_archive_and_its_own_endpoint(redis_url, redis_client, tmp_path):
    """A task names an archive and an S3 endpoint; a worker writes only its own archive and
    reaches only its own endpoint, whatever a task (from anyone who can reach the broker) says."""
    import socket as sockets

    from blogarchive.cluster import make_app

    listener = sockets.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.5)
    with SiteServer(blog(tmp_path)) as site:
        mine = tmp_path / "mine"
        workers = Workers(redis_url, 1, visibility_timeout=60, out=mine)
        try:
            app = make_app(redis_url)
            elsewhere = str(tmp_path / "elsewhere")
            app.crawl_site.apply_async(args=(site.url("/"), elsewhere, {}, None), queue="blogarchive")
            app.crawl_site.apply_async(
                args=(site.url("/"), "s3://bucket/x", {}, f"http://127.0.0.1:{listener.getsockname()[1]}"),
                queue="blogarchive",
            )
            wait_until(
                lambda: (
                    statuses(redis_client)
                    and all(r["status"] == "refused" for r in statuses(redis_client).values())
                    and redis_client.llen("blogarchive") == 0
                ),
                60,
                "both tasks refused",
            )
            time.sleep(1)
            try:
                connection, _ = listener.accept()
                connection.close()
                contacted = True
            except (TimeoutError, OSError):
                contacted = False
        finally:
            workers.stop()
            listener.close()
    assert not contacted  # the task's endpoint was never reached
    assert not (tmp_path / "elsewhere").exists()
    (status,) = statuses(redis_client).values()
    assert status["status"] == "refused" and str(mine) in status["detail"]


def _finished(out, pattern: str) -> list[tuple]:
    if not list(out.glob("sites/*/crawls/*.parquet")):
        return []
    return sql(f"SELECT started_at, finished_at FROM read_parquet('{pattern}') WHERE status = 'finished'")


def test_cluster_commands_reject_a_bad_broker_in_one_line(tmp_path):
    result = run_blogarchive("status", "--broker", "http://nope")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "redis://" in result.stderr
    result = run_blogarchive(
        "submit", "https://blog.example/", "--out", str(tmp_path), "--broker", f"redis://127.0.0.1:{free_port()}/0"
    )
    assert result.returncode == 2 and "cannot reach the broker" in result.stderr and "Traceback" not in result.stderr


def test_schedule_submits_every_site_again_and_again(redis_url, redis_client, tmp_path):
    sites = ["https://one.example/", "https://two.example/"]
    beat = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "blogarchive.cli",
            "schedule",
            *sites,
            "--every",
            "1s",
            "--out",
            str(tmp_path / "shared"),
            "--broker",
            redis_url,
            "--state-file",
            str(tmp_path / "beat"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: redis_client.llen("blogarchive") >= 6, 60, "three rounds of two sites queued")
    finally:
        beat.terminate()
        beat.wait(timeout=15)
    headers = [json.loads(message)["headers"] for message in redis_client.lrange("blogarchive", 0, -1)]
    assert {h["task"] for h in headers} == {"blogarchive.crawl_site"}
    for site in sites:
        assert sum(site in h["argsrepr"] for h in headers) >= 3


def _ancestors(pid: int) -> set[int]:
    found = set()
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
        found.add(pid)
    return found


def _extraction_workers_under(roots: set[int]) -> list[int]:
    """Spawned multiprocessing workers (the extraction pool's) descending from `roots`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command and _ancestors(int(entry.name)) & roots:
            found.append(int(entry.name))
    return found


def test_a_crawl_on_a_worker_extracts_in_its_own_process_unless_told_otherwise(redis_url, redis_client, tmp_path):
    """One site per worker, one worker per core: a crawl starts no extraction pool of its own
    (two more processes to start and hold per site) unless the submitter sets EXTRACTION_PROCESSES."""
    settings = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]
    seen: dict[str, list[int]] = {}
    with SiteServer(blog(tmp_path), delay=0.1) as site:
        out = tmp_path / "shared"
        workers = Workers(redis_url, 1, visibility_timeout=60, out=out)
        roots = {process.pid for process in workers.processes}
        try:
            for name, extra in (("default", []), ("asked", ["-s", "EXTRACTION_PROCESSES=1"])):
                redis_client.delete("blogarchive:site-status")
                submitted = run_blogarchive(
                    "submit", site.url("/"), "--out", str(out), "--broker", redis_url, *settings, *extra
                )
                assert submitted.returncode == 0, submitted.stderr
                seen[name] = []

                def ended(name: str = name) -> bool:
                    seen[name] += _extraction_workers_under(roots)
                    return any(r["status"] not in ("queued", "running") for r in statuses(redis_client).values())

                wait_until(ended, 120, f"the {name} crawl ended")
                assert [r["status"] for r in statuses(redis_client).values()] == ["finished"]
        finally:
            workers.stop()
    assert seen["default"] == []
    assert seen["asked"]  # the same observation finds a pool where one was asked for
