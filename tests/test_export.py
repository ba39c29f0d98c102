"""`blogarchive export`: JSON Lines, CSV and Markdown from a real two-crawl archive, checked
against what DuckDB reads from the Parquet; and the pure renderers on their own."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import yaml

from blogarchive.archive.export import csv_value, markdown_document, markdown_name

from .conftest import duck, run_blogarchive


def test_jsonl_holds_the_latest_version_of_each_page_and_history_holds_all(versioned_archive, tmp_path):
    out, base = versioned_archive
    latest = run_blogarchive("export", str(out), "--format", "jsonl")
    assert latest.returncode == 0, latest.stderr
    rows = [json.loads(line) for line in latest.stdout.splitlines()]
    expected = dict(duck(out, "SELECT url, arg_max(title, fetched_at) FROM pages GROUP BY url"))
    assert {r["url"]: r["title"] for r in rows} == expected
    assert expected[base + "/second"] == 'Gulls: the "loud" ones'
    assert "html" not in rows[0] and rows[0]["text"]

    target = tmp_path / "all.jsonl"
    history = run_blogarchive("export", str(out), "-f", "jsonl", "--history", "--out", str(target))
    assert history.returncode == 0 and history.stdout.startswith("exported ")
    versions = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(versions) == duck(out, "SELECT count(*) FROM pages")[0][0] > len(rows)
    assert sorted(v["title"] for v in versions if v["url"] == base + "/second") == ["Gulls", 'Gulls: the "loud" ones']


def test_csv_round_trips_through_the_csv_module(versioned_archive):
    out, base = versioned_archive
    result = run_blogarchive("export", str(out), "-f", "csv", "--posts-only")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    posts = duck(
        out,
        "SELECT url, arg_max(text, fetched_at), arg_max(tags, fetched_at) FROM pages "
        "WHERE page_type = 'post' GROUP BY url",
    )
    assert {r["url"] for r in rows} == {url for url, _, _ in posts} and base + "/" not in {r["url"] for r in rows}
    by_url = {r["url"]: r for r in rows}
    for url, text, tags in posts:
        assert by_url[url]["text"] == text  # multi-line text survives the quoting
        assert by_url[url]["tags"] == " | ".join(tags)


def test_markdown_writes_one_file_per_page_with_front_matter(versioned_archive, tmp_path):
    out, base = versioned_archive
    folder = tmp_path / "md"
    result = run_blogarchive("export", str(out), "-f", "markdown", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    files = sorted(folder.rglob("*.md"))
    assert len(files) == duck(out, "SELECT count(DISTINCT url) FROM pages")[0][0]
    documents = {}
    for path in files:
        _, header, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(header)
        documents[meta["url"]] = (meta, body, path)
    meta, body, path = documents[base + "/second"]
    assert meta["title"] == 'Gulls: the "loud" ones' and meta["tags"] == ["birds"] and meta["author"] == "Mara Quill"
    assert path.name == "second.md" and body.startswith('\n# Gulls: the "loud" ones\n')
    assert "harbour wall" in body
    history = run_blogarchive("export", str(out), "-f", "markdown", "--history", "--out", str(tmp_path / "all"))
    assert history.returncode == 0, history.stderr
    assert len(list((tmp_path / "all").rglob("*.md"))) == duck(out, "SELECT count(*) FROM pages")[0][0]


def test_export_mistakes_get_one_line(versioned_archive, tmp_path):
    out, _ = versioned_archive
    for args, needle in [
        (["export", str(out), "-f", "markdown"], "--out FOLDER"),
        (["export", str(out), "-f", "csv", "--out", str(tmp_path)], "is a folder"),
        (["export", str(tmp_path / "none"), "-f", "jsonl"], "no archive"),
        (["export", str(out), "-f", "pdf"], "invalid choice"),
    ]:
        result = run_blogarchive(*args)
        assert result.returncode != 0 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and needle in result.stderr, result.stderr


def test_front_matter_survives_any_title():
    row = {
        "url": "https://blog.example/a-post/",
        "title": 'Colons: "quotes", # hashes\nand a line break \x92 é',
        "author": "- not a list",
        "tags": ["yes", "no: maybe"],
        "published": datetime(2024, 5, 1, tzinfo=timezone.utc),
        "text": "First paragraph.\nSecond paragraph.",
        "word_count": 4,
    }
    document = markdown_document(row)
    _, header, body = document.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert meta["title"] == row["title"] and meta["author"] == row["author"] and meta["tags"] == row["tags"]
    assert meta["published"] == "2024-05-01T00:00:00+00:00" and meta["word_count"] == 4
    assert body == '\n# Colons: "quotes", # hashes and a line break \x92 é\n\nFirst paragraph.\n\nSecond paragraph.\n'


def test_markdown_names_are_safe_and_unique():
    taken: set[str] = set()
    names = []
    for url in [
        "https://b.example/",
        "https://b.example/index.html",
        "https://b.example/2024/05/post/",
        "https://b.example/../../etc/passwd",
        "https://b.example/p?id=3",
        "http://b.example:8080/x.html",
        "http://../x",
        "https://b.example/Post",
        "https://b.example/post",
    ]:
        name = markdown_name({"url": url, "fetched_at": datetime(2024, 1, 1, tzinfo=timezone.utc)}, taken)
        taken.add(name.lower())
        names.append(name)
    assert names[0] == "b.example/index.md" and names[1] == "b.example/index--20240101T000000Z.md"
    assert names[2] == "b.example/2024-05-post.md" and ".." not in names[3] and names[3].count("/") == 1
    assert names[4] == "b.example/p-id-3.md" and names[5] == "b.example_8080/x.md"
    assert names[6] == "site/x.md"  # a host of dots cannot lead out of the folder
    assert names[7].lower() != names[8].lower()  # no two names differ only by case
    assert len(set(names)) == len(names)
    assert csv_value(None) == "" and csv_value(["a", "b"]) == "a | b"


def test_markdown_bodies_hold_no_html_a_renderer_would_run():
    """Page text and titles go into Markdown with every "<" escaped: rendered with
    Python-Markdown's defaults, a post about `<script>` shows the tag and runs nothing,
    and the text reads as the page did."""
    import html

    import markdown

    row = {
        "url": "https://blog.example/xss/",
        "title": "Title <img src=x onerror=alert(1)>",
        "text": "Before <script>alert(1)</script> after.\n<iframe src='javascript:alert(2)'></iframe>\n"
        "Fish &amp; chips &lt;b&gt; Q&A <3",
    }
    _, _, body = markdown_document(row).split("---\n", 2)
    rendered = markdown.markdown(body)
    assert "<script" not in rendered and "<img" not in rendered and "<iframe" not in rendered
    shown = html.unescape(rendered)
    for piece in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "Fish &amp; chips &lt;b&gt; Q&A <3"):
        assert piece in shown


def test_an_export_that_fails_leaves_the_previous_file_whole(versioned_archive, tmp_path):
    import shutil

    out, _ = versioned_archive
    damaged = tmp_path / "damaged"
    shutil.copytree(out, damaged)
    for part in (damaged / "pages").rglob("*.parquet"):
        part.write_bytes(b"not parquet at all")
    target = tmp_path / "pages.jsonl"
    target.write_text("the previous export\n", encoding="utf-8")
    result = run_blogarchive("export", str(damaged), "-f", "jsonl", "--out", str(target))
    assert result.returncode != 0
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_markdown_names_fit_a_file_system_whatever_the_host():
    host = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])  # 253 characters: a legal host name
    name = markdown_name(
        {
            "url": f"http://{host}:65535/{'p' * 300}?{'q=1&' * 50}",
            "fetched_at": datetime(2024, 1, 1, tzinfo=timezone.utc),
        },
        {f"{host}_65535/x.md"},
    )
    folder, file = name.split("/")
    assert len(folder.encode()) <= 255 and len(file.encode()) + len(".partial-4194304") + 1 <= 255
    assert folder.startswith("a" * 60)
    other = markdown_name({"url": f"http://{host.replace('d' * 61, 'e' * 61)}/"}, set())
    assert other.split("/")[0] != folder  # two long hosts cut to one prefix stay apart


def test_markdown_export_never_writes_through_a_link_inside_its_folder(versioned_archive, tmp_path):
    """A folder inside --out that is a symbolic link (to a folder outside) is refused; a file
    that is a symbolic or hard link to a file outside is replaced, and what it pointed at is
    untouched."""
    import os

    archive, base = versioned_archive
    out = tmp_path / "posts"
    assert run_blogarchive("export", str(archive), "--format", "markdown", "--out", str(out)).returncode == 0
    host_folder = next(p for p in out.iterdir() if p.is_dir())
    victim = tmp_path / "outside"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    # a symbolic link and a hard link in place of two exported files
    first, second = sorted(host_folder.glob("*.md"))[:2]
    first.unlink()
    first.symlink_to(victim / "keep.txt")
    second.unlink()
    os.link(victim / "keep.txt", second)
    result = run_blogarchive("export", str(archive), "--format", "markdown", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (victim / "keep.txt").read_text() == "precious"
    assert not first.is_symlink() and first.read_text().startswith("---")
    assert second.read_text().startswith("---")
    # a host folder that links outside
    moved = tmp_path / "moved"
    host_folder.rename(moved)
    host_folder.symlink_to(victim, target_is_directory=True)
    result = run_blogarchive("export", str(archive), "--format", "markdown", "--out", str(out))
    assert result.returncode == 2 and "symbolic link" in result.stderr and result.stderr.count("\n") == 1
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]


def test_export_into_a_device_a_fifo_or_a_link_writes_into_it_and_never_replaces_it(versioned_archive, tmp_path):
    """`-o /dev/null` (or a FIFO, or a link) is written into, as a shell redirection would:
    renaming a temporary over it replaced /dev/null itself when run as root."""
    import os
    import stat
    import threading

    archive, _ = versioned_archive
    result = run_blogarchive("export", str(archive), "--format", "jsonl", "-o", "/dev/null")
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    full = run_blogarchive("export", str(archive), "--format", "csv", "-o", "/dev/full")
    assert full.returncode == 1 and "No space left on device" in full.stderr and full.stderr.count("\n") == 1
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert run_blogarchive("export", str(archive), "--format", "jsonl", "-o", str(fifo)).returncode == 0
    reader.join(timeout=30)
    pages = duck(archive, "SELECT count(DISTINCT url) FROM pages")[0][0]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received and received[0].count(b"\n") == pages

    target = tmp_path / "exports" / "2026.jsonl"
    target.parent.mkdir()
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    assert run_blogarchive("export", str(archive), "--format", "jsonl", "-o", str(link)).returncode == 0
    assert link.is_symlink() and target.read_text().count("\n") == pages


def test_pages_with_a_signature_and_a_near_duplicate_mark_export_without_the_signature(tmp_path):
    from blogarchive.archive.writer import ArchiveWriter

    from .conftest import page_row

    root = tmp_path / "archive"
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with ArchiveWriter(root, "c1") as writer:
        writer.write_page(
            page_row(
                url="https://a.example/1",
                host="a.example",
                fetched_at=now,
                content_hash="a" * 64,
                minhash=bytes(range(256)),
            )
        )
        writer.write_page(
            page_row(
                url="https://b.example/1",
                host="b.example",
                fetched_at=now,
                content_hash="b" * 64,
                minhash=bytes(256),
                near_duplicate_of="https://a.example/1",
                near_duplicate_similarity=0.95,
            )
        )
    for fmt in ("jsonl", "csv"):
        result = run_blogarchive("export", str(root), "-f", fmt)
        assert result.returncode == 0, result.stderr
        assert "minhash" not in result.stdout and "https://a.example/1" in result.stdout
    rows = {
        r["url"]: r for r in map(json.loads, run_blogarchive("export", str(root), "-f", "jsonl").stdout.splitlines())
    }
    assert rows["https://b.example/1"]["near_duplicate_of"] == "https://a.example/1"
    assert rows["https://b.example/1"]["near_duplicate_similarity"] == 0.95
    markdown = run_blogarchive("export", str(root), "-f", "markdown", "-o", str(tmp_path / "md"))
    assert markdown.returncode == 0, markdown.stderr
