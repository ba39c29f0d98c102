"""The state a crawl reads as it starts: the known pages of its own hosts (and their
subdomains) only, in a crawl's files and in a compacted file alike, and every URL's latest
text across the archive."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from blogarchive.archive.compaction import compact
from blogarchive.archive.state import load_state
from blogarchive.archive.writer import ArchiveWriter

from .conftest import page_row

START = datetime(2025, 1, 1, tzinfo=timezone.utc)
HOSTS = ["example.test", "www.example.test", "blog.example.test", "other.test", "notexample.test", "a.other.test"]


def write(root, hosts_per_crawl: list[list[str]]) -> None:
    for n, hosts in enumerate(hosts_per_crawl):
        with ArchiveWriter(root, f"c{n}") as writer:
            for host in hosts:
                writer.write_page(
                    page_row(
                        url=f"https://{host}/post-{n}",
                        host=host,
                        fetched_at=START + timedelta(days=n),
                        content_hash=f"{n:02x}{hash(host) & 0xFFFF:04x}".ljust(64, "0"),
                    )
                )


@pytest.mark.parametrize("compacted", [False, True])
def test_the_known_pages_are_those_of_the_crawls_hosts_and_their_subdomains(tmp_path, compacted, monkeypatch):
    root = tmp_path / "archive"
    write(root, [[host] for host in HOSTS] + [HOSTS])  # a crawl per host, then one of all
    if compacted:
        monkeypatch.setattr("blogarchive.archive.compaction.ROW_GROUP_BYTES", 2000)  # many row groups
        compact(root, "pages")
    every = load_state(root)
    assert {url.split("/")[2] for url in every.pages} == set(HOSTS)
    site = load_state(root, hosts=["www.example.test"])
    hosts = {url.split("/")[2] for url in site.pages}
    assert hosts == {"example.test", "www.example.test", "blog.example.test"}
    assert {url: p.content_hash for url, p in site.pages.items()} == {
        url: p.content_hash for url, p in every.pages.items() if url.split("/")[2] in hosts
    }
    assert len(site.texts) == len(every.texts) == len(every.pages)  # dedup still sees every text
    assert {url.split("/")[2] for url in load_state(root, hosts=["other.test"]).pages} == {"other.test", "a.other.test"}
    assert load_state(root, hosts=["nowhere.test"]).pages == {}
