"""Near-duplicates: the MinHash signature (datasketch's, the same in every process), the
index, the marks dedup writes, and real crawls that mark the same pages every run, after a
kill too, read back with pyarrow and DuckDB and listed by `blogarchive dups`."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from blogarchive.archive.state import ArchiveState, ArchiveTexts
from blogarchive.pipelines.dedup import DedupPipeline
from blogarchive.pipelines.document import Document, content_hash
from blogarchive.pipelines.items import ExtractedPage, FetchedPage, FetchRecord
from blogarchive.pipelines.neardup import (
    MIN_WORDS,
    SIGNATURE_BYTES,
    NearDuplicateIndex,
    shingles,
    signature_matrix,
    similarity,
    text_signature,
)

from .conftest import BLOGARCHIVE, duck, run_blogarchive, write_site

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
VOCABULARY = [
    f"{a}{b}"
    for a in ("har", "quay", "gul", "ti", "fer", "ne", "lam", "sa")
    for b in ("bour", "de", "ry", "t", "p", "l", "ck", "ve")
]


def paragraphs(seed: int, count: int = 6, words: int = 100) -> list[str]:
    """Paragraphs of words drawn from one small vocabulary: posts on one topic."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(VOCABULARY) for _ in range(words)).capitalize() + "." for _ in range(count)]


def footer(seed: int) -> str:
    rng = random.Random(seed * 1000 + 7)
    return "Follow me " + " ".join(rng.choice(VOCABULARY) for _ in range(12)) + "."


def variants(seed: int) -> dict[str, list[str]]:
    """A post, its near-copies of three kinds, and a distinct post on the same topic."""
    body = paragraphs(seed)
    changed = list(body)
    changed[2] = changed[2].replace(changed[2].split()[5], "changed", 1) + " One sentence more here."
    return {
        "original": [*body, footer(seed)],
        "footer": [*body, footer(seed + 1)],
        "reordered": [body[1], body[0], *body[2:4], body[5], body[4], footer(seed)],
        "edited": [*changed, footer(seed)],
        "distinct": [*paragraphs(seed + 100), footer(seed)],
    }


def test_the_signature_is_datasketchs_minhash():
    datasketch = pytest.importorskip("datasketch")
    text = "\n".join(variants(1)["original"])
    reference = datasketch.MinHash(num_perm=64, seed=1)
    reference.update_batch(shingles(text))
    ours = np.frombuffer(text_signature(text), "<u4")
    assert np.array_equal(ours, reference.hashvalues)


def test_the_signature_is_the_same_in_another_process():
    text = "\n".join(variants(2)["original"])
    code = "import sys; from blogarchive.pipelines.neardup import text_signature; print(text_signature(sys.stdin.read()).hex())"
    other = subprocess.run(
        [sys.executable, "-c", code],
        input=text,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "random"},
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == text_signature(text).hex()


def test_near_copies_are_at_least_0_9_similar_and_posts_on_one_topic_are_not():
    for seed in range(5):
        found = {kind: text_signature("\n".join(lines)) for kind, lines in variants(seed).items()}
        for kind in ("footer", "reordered", "edited"):
            assert similarity(found["original"], found[kind]) >= 0.9, (seed, kind)
        assert similarity(found["original"], found["distinct"]) < 0.3


def test_short_texts_get_no_signature_and_unspaced_scripts_are_read_by_character():
    assert text_signature(" ".join(["word"] * (MIN_WORDS - 1))) is None
    rng = random.Random(5)
    chinese = "".join(rng.choice("港口渔船海鸥潮汐渡轮网灯风帆绳锚岛岸浪早晚冬夏市鱼面包咖啡") for _ in range(400))
    copy = chinese[:390] + "谢谢阅读我的文章"
    assert text_signature(chinese) is not None  # one "word" by \w, hundreds of characters
    assert similarity(text_signature(chinese), text_signature(copy)) >= 0.9


def test_signature_matrix_reads_a_pyarrow_array_in_place():
    signatures = [text_signature("\n".join(variants(seed)["original"])) for seed in range(4)]
    array = pa.array([b"x" * SIGNATURE_BYTES, *signatures], pa.binary()).slice(1)
    assert np.array_equal(signature_matrix(array), signature_matrix(signatures))
    with pytest.raises(ValueError):
        signature_matrix(pa.array([b"short"], pa.binary()))


def test_the_index_returns_the_earliest_similar_text_of_another_url():
    kinds = variants(3)
    sig = {kind: text_signature("\n".join(lines)) for kind, lines in kinds.items()}
    index = NearDuplicateIndex(
        ["https://a/1", "https://a/2", "https://a/3"],
        signature_matrix([sig["distinct"], sig["footer"], sig["original"]]),
    )
    found = index.match("https://b/1", sig["edited"])
    assert found is not None and found.url == "https://a/2" and found.similarity >= 0.9
    assert index.match("https://a/2", sig["footer"]).url == "https://a/3"  # not itself
    assert index.match("https://b/1", text_signature("\n".join(paragraphs(77)))) is None
    index.add("https://c/1", sig["reordered"])
    assert index.match("https://d/1", sig["reordered"]).url == "https://a/2"  # earlier than c/1
    fresh = NearDuplicateIndex()
    fresh.add("https://c/1", sig["reordered"])
    assert fresh.match("https://d/1", sig["original"]).url == "https://c/1"


def extracted(url: str, lines: list[str]) -> ExtractedPage:
    page = FetchedPage(url=url, requested_url=url, status=200, fetched_at=NOW, html="<html></html>", encoding="utf-8")
    return ExtractedPage(page=page, document=Document(url=url, text="\n".join(lines)))


def test_dedup_marks_near_duplicates_of_archived_pages_of_other_sites_and_stores_them():
    kinds = variants(4)
    archived = Document(url="https://one.example/post", text="\n".join(kinds["original"]))
    texts = pa.table(
        {"url": [archived.url], "content_hash": [archived.content_hash], "minhash": [archived.minhash]},
        schema=pa.schema([("url", pa.string()), ("content_hash", pa.string()), ("minhash", pa.binary())]),
    )
    dedup = DedupPipeline()
    dedup.archive_opened(ArchiveState(texts=ArchiveTexts(texts)))
    repost = dedup.process_item(extracted("https://two.example/repost", kinds["footer"]))
    assert isinstance(repost, ExtractedPage)  # stored, and marked
    assert repost.near_duplicate_of == archived.url and repost.near_duplicate_similarity >= 0.9
    again = dedup.process_item(extracted("https://three.example/copy", kinds["reordered"]))
    assert again.near_duplicate_of == archived.url  # the earliest, not the repost
    exact = dedup.process_item(extracted("https://four.example/same", kinds["original"]))
    assert isinstance(exact, FetchRecord) and exact.outcome == "duplicate"
    other = dedup.process_item(extracted("https://two.example/other", kinds["distinct"]))
    assert isinstance(other, ExtractedPage) and other.near_duplicate_of is None


# --- real crawls -------------------------------------------------------------------------

FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_PROCESSES=0",
    "-s", "CONCURRENT_REQUESTS=1",
]  # fmt: skip


def post_html(title: str, lines: list[str]) -> str:
    body = "".join(f"<p>{line}</p>" for line in lines)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


def sites(root: Path) -> tuple[Path, Path]:
    """Site one: three posts and a near-copy of its first. Site two: reposts of site one's
    posts (a new footer, reordered paragraphs, an edited sentence) and posts of its own."""
    one, two = root / "one", root / "two"
    posts_one, posts_two = {}, {}
    for seed in range(3):
        kinds = variants(seed + 10)
        posts_one[f"p{seed}.html"] = post_html(f"Post {seed}", kinds["original"])
        posts_two[f"r{seed}.html"] = post_html(f"Repost {seed}", kinds[("footer", "reordered", "edited")[seed]])
        posts_two[f"own{seed}.html"] = post_html(f"Own {seed}", kinds["distinct"])
    posts_one["p0-again.html"] = post_html("Post 0, again", variants(10)["edited"])
    for folder, posts in ((one, posts_one), (two, posts_two)):
        index = "".join(f"<li><a href='/{name[:-5]}'>{name}</a></li>" for name in sorted(posts))
        write_site(folder, {**posts, "index.html": f"<html><body><ul>{index}</ul></body></html>"})
    return one, two


def marks(archive: Path) -> dict[str, tuple[str | None, float | None]]:
    from blogarchive import archive as library

    table = library.read_pages(archive, ["url", "near_duplicate_of", "near_duplicate_similarity"], latest=True)
    return {r["url"]: (r["near_duplicate_of"], r["near_duplicate_similarity"]) for r in table.to_pylist()}


def crawl(*args: str) -> None:
    done = run_blogarchive("crawl", *args, *FAST)
    assert done.returncode == 0, done.stderr


def test_crawls_mark_the_same_near_duplicates_every_run_and_dups_lists_them(serve, tmp_path):
    one, two = sites(tmp_path / "sites")
    site_one, site_two = serve(one), serve(two)
    runs = []
    for run in ("a", "b"):
        out = tmp_path / run
        crawl(site_one.url("/"), "--out", str(out))
        crawl(site_two.url("/"), "--out", str(out))  # a later crawl: the index comes from the archive
        runs.append(marks(out))
    assert runs[0] == runs[1]
    found = {url: of for url, (of, _) in runs[0].items() if of}
    assert found == {
        site_one.url("/p0-again"): site_one.url("/p0"),
        site_two.url("/r0"): site_one.url("/p0"),
        site_two.url("/r1"): site_one.url("/p1"),
        site_two.url("/r2"): site_one.url("/p2"),
    }
    assert all(0.9 <= similarity_ <= 1 for of, similarity_ in runs[0].values() if of)
    rows = duck(
        tmp_path / "a",
        "SELECT url, near_duplicate_of, octet_length(minhash) FROM pages WHERE near_duplicate_of IS NOT NULL ORDER BY url",
    )
    assert [(u, o) for u, o, _ in rows] == sorted(found.items()) and {n for *_, n in rows} == {SIGNATURE_BYTES}

    listed = run_blogarchive("dups", str(tmp_path / "a"))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("3 clusters of near-duplicates: 4 pages nearly repeat an earlier one")
    clusters = [json.loads(line) for line in run_blogarchive("dups", str(tmp_path / "a"), "--json").stdout.splitlines()]
    assert clusters[0]["url"] == site_one.url("/p0")
    assert sorted(m["url"] for m in clusters[0]["members"]) == sorted([site_one.url("/p0-again"), site_two.url("/r0")])
    assert all(m["similarity"] >= 0.9 for c in clusters for m in c["members"])


def test_a_killed_crawl_resumed_marks_what_an_uninterrupted_one_does(serve, tmp_path):
    one, two = sites(tmp_path / "sites")
    site_one, site_two = serve(one), serve(two, delay=0.3)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for out in (whole, killed):
        crawl(site_one.url("/"), "--out", str(out))
    crawl(site_two.url("/"), "--out", str(whole))
    process = subprocess.Popen(
        [BLOGARCHIVE, "crawl", site_two.url("/"), "--out", str(killed), *FAST, "-s", "ARCHIVE_FLUSH_ROWS=1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(marks(killed)) < 6 and time.monotonic() < deadline:  # site one's 4, and 2 of site two's
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert 6 <= len(marks(killed)) < len(marks(whole))
    crawl(site_two.url("/"), "--out", str(killed))
    assert marks(killed) == marks(whole)


def test_the_archive_texts_find_the_oldest_url_of_a_hash():
    hashes = [content_hash(f"text {i % 3}") for i in range(6)]
    texts = ArchiveTexts(
        pa.table(
            {"url": [f"https://a/{i}" for i in range(6)], "content_hash": hashes, "minhash": pa.nulls(6, pa.binary())}
        )
    )
    assert texts.first_url(hashes[4]) == "https://a/1"
    assert texts.first_url(content_hash("another")) is None
    assert texts.first_url("not a hash") is None


def test_a_text_copied_thousands_of_times_is_matched_against_a_bounded_few():
    from blogarchive.pipelines.neardup import BANDS, CANDIDATES_PER_BAND, band_keys

    signature = text_signature("\n".join(variants(6)["original"]))
    copies = 5000
    index = NearDuplicateIndex([f"https://a/{n}" for n in range(copies)], signature_matrix([signature] * copies))
    for n in range(copies):
        index.add(f"https://b/{n}", signature)
    keys = band_keys(signature_matrix([signature]))[0]
    assert len(index._candidates(keys)) <= 2 * CANDIDATES_PER_BAND * BANDS
    assert index.match("https://c/1", signature).url == "https://a/0"  # still the earliest
    assert index.match("https://a/0", signature).url == "https://a/1"


def test_invisible_characters_do_not_hide_a_copy():
    text = "\n".join(variants(7)["original"])
    for mark in ("\u00ad", "\u200b", "\u2060", "\ufeff"):
        hidden = " ".join(word[:2] + mark + word[2:] for word in text.split(" "))
        assert similarity(text_signature(text), text_signature(hidden)) == 1.0, repr(mark)
    rng = random.Random(8)
    rare = "".join(chr(0x20000 + rng.randrange(4000)) for _ in range(300))  # CJK extension B
    assert text_signature(rare) is not None


def test_a_hash_that_is_not_hex_in_the_archive_does_not_stop_dedup():
    from blogarchive.archive.state import KnownPage

    state = ArchiveState()
    state.pages["https://b.example/bad"] = KnownPage("https://b.example/bad", "not-hex", NOW)
    state.pages["https://b.example/good"] = KnownPage("https://b.example/good", content_hash("Kept text."), NOW)
    dedup = DedupPipeline()
    dedup.archive_opened(state)
    again = dedup.process_item(extracted("https://b.example/good", ["Kept text."]))
    assert isinstance(again, FetchRecord) and again.outcome == "unchanged"


def test_the_threshold_is_a_similarity():
    from blogarchive.archive.errors import InvalidRequest
    from blogarchive.crawler.overrides import check_overrides

    assert check_overrides({"NEAR_DUPLICATE_THRESHOLD": "0.95"}) == {"NEAR_DUPLICATE_THRESHOLD": "0.95"}
    for value in ("5", "-1", "0.2"):
        with pytest.raises(InvalidRequest, match="NEAR_DUPLICATE_THRESHOLD"):
            check_overrides({"NEAR_DUPLICATE_THRESHOLD": value})


def test_dups_lists_hand_edited_marks_without_a_similarity_or_in_a_cycle(tmp_path):
    from blogarchive.archive.writer import ArchiveWriter

    from .conftest import page_row

    root = tmp_path / "archive"
    marks_ = {"a": None, "b": "a", "c": "d", "d": "c", "e": "e"}
    with ArchiveWriter(root, "c1") as writer:
        for n, (name, of) in enumerate(marks_.items()):
            writer.write_page(
                page_row(
                    url=f"https://x.example/{name}",
                    host="x.example",
                    fetched_at=NOW,
                    content_hash=f"{n:064x}",
                    near_duplicate_of=f"https://x.example/{of}" if of else None,
                    near_duplicate_similarity=None,
                )
            )
    listed = run_blogarchive("dups", str(root))
    assert listed.returncode == 0, listed.stderr
    assert "   ?  https://x.example/b" in listed.stdout
    assert "https://x.example/c  (x.example)" in listed.stdout and "   ?  https://x.example/d" in listed.stdout
    assert "x.example/e" not in listed.stdout  # marked with itself: nothing nearly repeats it


def test_dups_follows_a_long_chain_of_reposts_to_its_original_and_json_stays_json(tmp_path):
    from blogarchive.archive.duplicates import near_duplicate_clusters
    from blogarchive.archive.writer import ArchiveWriter

    from .conftest import page_row

    root = tmp_path / "archive"
    with ArchiveWriter(root, "c1") as writer:
        for n in range(3000):  # each repost marked with the one before: a chain, not a star
            writer.write_page(
                page_row(
                    url=f"https://x.example/{n:04d}",
                    host="x.example",
                    fetched_at=NOW,
                    content_hash=f"{n:064x}",
                    near_duplicate_of=f"https://x.example/{n - 1:04d}" if n else None,
                    near_duplicate_similarity=float("nan") if n == 5 else 0.95,
                )
            )
    [cluster] = near_duplicate_clusters(root)
    assert cluster.url == "https://x.example/0000" and len(cluster.members) == 2999
    listed = run_blogarchive("dups", str(root), "--json")
    assert listed.returncode == 0, listed.stderr

    def strict(constant):
        raise ValueError(constant)

    [record] = [json.loads(line, parse_constant=strict) for line in listed.stdout.splitlines()]
    assert [m["similarity"] for m in record["members"]][:6] == [0.95, 0.95, 0.95, 0.95, None, 0.95]
    exported = run_blogarchive("export", str(root), "-f", "jsonl")
    rows = [json.loads(line, parse_constant=strict) for line in exported.stdout.splitlines()]
    assert {r["url"]: r["near_duplicate_similarity"] for r in rows}["https://x.example/0005"] is None
