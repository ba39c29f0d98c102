"""Scrapyd, for real: the README's steps (`make egg`, `scrapyd-deploy --egg`, `schedule.json`)
against a Scrapyd started on a free loopback port, in the project's environment."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from blogarchive import archive

from .conftest import ROOT, duck, free_port, write_site

BIN = Path(sys.executable).parent
POST = (
    "<html><head><title>A post</title></head><body><article><h1>A post</h1>"
    + "<p>Words of a post that Scrapyd crawled into the archive.</p>" * 20
    + "</article></body></html>"
)


def call(base: str, endpoint: str, data: dict[str, str] | list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A Scrapyd on a free loopback port, its eggs, logs and database in `tmp_path`; stopped after."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\n"
        "max_proc = 1\npoll_interval = 0.5\n"
    )
    server = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            assert call(base, "daemonstatus.json")["status"] == "ok"
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"scrapyd did not start: {server.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.2)
    yield base, home
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def crawl_job(base: str, url: str, out: Path, *settings: str) -> str:
    """Schedule `blog` on `url` into the archive `out` through Scrapyd's JSON API; its job id."""
    data = [("project", "blogarchive"), ("spider", "blog"), ("url", url), ("setting", f"ARCHIVE_DIR={out}")]
    data += [("setting", setting) for setting in ("DOWNLOAD_DELAY=0", *settings)]
    return call(base, "schedule.json", data)["jobid"]


def wait_for(base: str, job: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = call(base, "listjobs.json?project=blogarchive")
        done = [j for j in jobs["finished"] if j["id"] == job]
        if done:
            return done[0]
        time.sleep(0.5)
    raise AssertionError(f"job {job} did not finish in {timeout}s")


def test_deploy_to_scrapyd_and_crawl_through_its_api(scrapyd, serve, tmp_path):
    base, home = scrapyd
    # a checkout of the project, built and deployed as the README says (`make egg` against this
    # environment; a deploy target naming this Scrapyd's port instead of 6800)
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT,
        checkout,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "demo-archive"
        ),
    )
    with open(checkout / "scrapy.cfg", "a") as cfg:
        cfg.write(f"\n[deploy:test]\nurl = {base}/\nproject = blogarchive\n")
    venv = Path(sys.executable).parent.parent
    egg = subprocess.run(["make", "egg", f"VENV={venv}"], cwd=checkout, capture_output=True, text=True, timeout=300)
    assert egg.returncode == 0, egg.stdout + egg.stderr
    (built,) = (checkout / "dist").glob("blogarchive-*.egg")
    deploy = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "test", "--egg", str(built)],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout and '"spiders": 1' in deploy.stdout, deploy.stdout + deploy.stderr
    assert call(base, "listspiders.json?project=blogarchive")["spiders"] == ["blog"]

    site = serve(write_site(tmp_path / "site", {"index.html": POST}))
    out = tmp_path / "archive"
    job = crawl_job(base, site.url("/"), out)
    wait_for(base, job)
    assert duck(out, "SELECT title, word_count > 0 FROM pages") == [("A post", True)]
    assert archive.read_crawls(out)["status"].to_pylist() == ["finished"]

    # a site that is down: the job's log and the crawls table both say failed
    down_out = tmp_path / "down"
    job = crawl_job(base, f"http://127.0.0.1:{free_port()}/", down_out, "RETRY_TIMES=0")
    wait_for(base, job)
    log = (home / "logs" / "blogarchive" / "blog" / f"{job}.log").read_text()
    assert "'archive/crawl_status': 'failed'" in log
    assert archive.read_crawls(down_out)["status"].to_pylist() == ["failed"]
