"""Damaged archives (issue 15): garbled bytes are an error naming the file, never wrong rows;
a damaged file makes every command say so in one line and point to `verify`, which names
the bad files and sets them aside; a crawl refuses to start on one."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blogarchive.archive import read_pages
from blogarchive.archive.errors import DamagedFile
from blogarchive.web import create_app

from .conftest import duck, run_blogarchive


@pytest.fixture
def archive(versioned_archive, tmp_path) -> Path:
    """A copy of the two-crawl archive that the test may damage."""
    copy = tmp_path / "archive"
    shutil.copytree(versioned_archive[0], copy)
    return copy


def _garble(path: Path, start: int, count: int = 2000) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(7)
    for i in range(start, min(start + count, len(data) - 8)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def _html_chunk(path: Path) -> tuple[int, int]:
    """Where the `html` column's data begins in a pages file, and its size."""
    metadata = pq.ParquetFile(path).metadata
    index = next(i for i in range(metadata.num_columns) if metadata.schema.column(i).path == "html")
    column = metadata.row_group(0).column(index)
    return column.dictionary_page_offset or column.data_page_offset, column.total_compressed_size


def test_garbled_bytes_in_a_committed_file_are_an_error_naming_it_never_wrong_rows(archive):
    target = sorted((archive / "pages").glob("*.parquet"))[0]
    start, size = _html_chunk(target)
    assert size > 400
    _garble(target, start + 100, min(2000, size - 200))  # inside the column's pages: past their headers
    with pytest.raises(DamagedFile) as caught:
        read_pages(archive, ["url", "html"])
    assert (
        caught.value.path == str(target)
        and "checksum" in str(caught.value)
        and "blogarchive verify" in str(caught.value)
    )
    # the columns that were not hit still read
    assert read_pages(archive, ["url", "title"]).num_rows > 0

    found = run_blogarchive("verify", str(archive))
    assert found.returncode == 1
    assert found.stdout.splitlines()[0].startswith(f"damaged  {target}  (")
    assert "1 damaged" in found.stdout.splitlines()[-1]

    moved = run_blogarchive("verify", str(archive), "--quarantine")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert not target.exists() and (archive / "quarantine" / "pages" / target.name).exists()
    again = run_blogarchive("verify", str(archive))
    assert again.returncode == 0 and again.stdout.strip().endswith("all readable")
    # readers skip the quarantine: every tool reads what is left
    left = read_pages(archive, ["url", "html"]).num_rows
    assert left == duck(archive, "SELECT count(*) FROM pages")[0][0] > 0
    assert run_blogarchive("stats", str(archive)).returncode == 0


def _foreign_parquet(path: Path) -> None:
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), path)


DAMAGE = {
    "truncated": lambda path, good: path.write_bytes(good.read_bytes()[: good.stat().st_size // 2]),
    "zero bytes": lambda path, good: path.write_bytes(b""),
    "junk": lambda path, good: path.write_bytes(b"not parquet at all\n" * 50),
    "foreign parquet": lambda path, good: _foreign_parquet(path),
    "another table's file": lambda path, good: shutil.copy(
        next(p for p in sorted((good.parent.parent).glob("*/*.parquet")) if p.parent != good.parent), path
    ),
}


@pytest.mark.parametrize("table", ["pages", "fetches", "crawls"])
@pytest.mark.parametrize("kind", list(DAMAGE))
def test_every_command_names_a_damaged_file_in_one_line(archive, tmp_path, table, kind):
    url = duck(archive, "SELECT url FROM pages LIMIT 1")[0][0]
    crawl_files = len(list((archive / "crawls").glob("*.parquet")))
    good = sorted((archive / table).glob("*.parquet"))[0]
    bad = archive / table / f"zz-{kind.replace(' ', '-').replace(chr(39), '')}.parquet"
    DAMAGE[kind](bad, good)
    commands = [
        ["stats", str(archive)],
        ["history", str(archive), url],
        ["export", str(archive), "--format", "jsonl"],
        ["report", str(archive), "-o", str(tmp_path / "r.html")],
        ["crawl", "http://127.0.0.1:9/", "--out", str(archive)],
    ]
    reads = {
        "stats": "pages fetches crawls",
        "history": "pages fetches",
        "export": "pages",
        "report": "pages fetches crawls",
        "crawl": "pages fetches crawls",
    }
    for command in commands:
        result = run_blogarchive(*command)
        if table not in reads[command[0]]:  # a command that does not read the table is not held up by it
            assert result.returncode == 0, (command, result.stderr)
            continue
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, (command, result.stderr)
        assert lines[0].startswith(f"blogarchive: error: {bad} is damaged (") and "blogarchive verify" in lines[0]
    assert len(list((archive / "crawls").glob("*.parquet"))) == crawl_files + (table == "crawls")  # no crawl started
    if table == "pages":  # what the browsing UI reads
        response = create_app(archive).test_client().get("/", headers={"Host": "127.0.0.1"})
        assert response.status_code == 500 and f"{bad} is damaged" in response.get_data(as_text=True)
    found = run_blogarchive("verify", str(archive))
    assert found.returncode == 1 and f"damaged  {bad}  (" in found.stdout


# --- a full disk --------------------------------------------------------------------


def _tmpfs(path: Path, size: str) -> bool:
    """A small RAM file system at `path`, whose every write past `size` fails with ENOSPC
    as on a full disk; False where mounting is not allowed (not root)."""
    import subprocess

    path.mkdir(parents=True, exist_ok=True)
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )


def _umount(path: Path) -> None:
    import subprocess

    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _small_files(limit: int):
    def apply() -> None:  # every write past `limit` bytes in one file fails (EFBIG), like a full disk
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _blog(root: Path, small: int, large: int) -> Path:
    from .conftest import write_site

    words = "harbour ferry lantern estuary winter light gull net quay tide "
    posts = {
        f"p{n}.html": f"<html><head><title>Post {n}</title></head><body><article><h1>Post {n}</h1>"
        f"<p>{words * (8 if n < small else 4000)}{n}</p></article></body></html>"
        for n in range(small + large)
    }
    links = "".join(f'<a href="/p{n}">{n}</a> ' for n in range(small + large))
    return write_site(root, {"index.html": f"<html><body><main>{links}</main></body></html>", **posts})


def test_a_disk_that_fills_mid_crawl_gives_counts_of_what_was_committed_and_one_line(serve, tmp_path):
    """A real full file system (a small tmpfs): a file size limit would not do, as it also
    stops the language model's temporary file in /tmp."""
    import subprocess

    from blogarchive.archive import read_fetches

    from .conftest import BLOGARCHIVE, command_env

    site = serve(_blog(tmp_path / "site", small=12, large=6))
    if not _tmpfs(tmp_path / "disk", "160k"):
        pytest.skip("mounting a small file system needs root (CAP_SYS_ADMIN)")
    out = tmp_path / "disk" / "archive"
    try:
        result = subprocess.run(
            [
                BLOGARCHIVE,
                "crawl",
                site.url("/"),
                "--out",
                str(out),
                "--warc",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=false",
                "-s",
                "ARCHIVE_FLUSH_ROWS=2",
                "-s",
                "ROBOTSTXT_OBEY=false",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            env=command_env(),
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stderr == "" and result.stdout.count("\n") == 1, result.stdout + result.stderr
        line = result.stdout.strip()
        assert " failed: " in line and "No space left on device" in line
        committed = read_fetches(out, ["kind", "outcome"]).to_pylist()
        stored = sum(r["outcome"] == "stored" for r in committed)
        assert stored < 19  # the disk did fill
        said = int(line.split("stored ", 1)[1].split()[0]) if "stored " in line else 0
        assert said == stored  # the summary counts committed rows, not rows handed to the writer
        leftovers = [p.name for p in out.rglob(".*") if p.name != ".lock"]
        assert leftovers == []  # no hidden temporary, Parquet or WARC
    finally:
        _umount(tmp_path / "disk")


def test_a_disk_full_from_the_start_is_one_line_and_a_failure(serve, tmp_path):
    import subprocess

    from .conftest import BLOGARCHIVE, command_env

    site = serve(_blog(tmp_path / "site", small=2, large=0))
    out = tmp_path / "archive"
    out.mkdir()
    result = subprocess.run(
        [BLOGARCHIVE, "crawl", site.url("/"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=command_env(),
        preexec_fn=_small_files(0),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    output = (result.stdout + result.stderr).strip()
    assert output.count("\n") == 0 and "Traceback" not in output, output
    assert "File too large" in output or "cannot write" in output


def test_a_full_temporary_folder_turns_language_detection_off_not_extraction(tmp_path):
    """py3langid unpacks its model into a temporary file, and blogarchive into its cache;
    where neither can be written, pages keep their declared language (and the worker does
    not crash with a traceback)."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20));"
        "from pipelines.language import text_language;"
        "print(text_language('The ferries leave the harbour at dawn and the gulls follow them out. ' * 10, 'de'))"
    )
    env = {**os.environ, "BLOGARCHIVE_CACHE_DIR": str(tmp_path / "cache")}  # an empty cache: it must be written
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "de"  # with the model it would be "en"
    assert "language detection is off" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("kind", "change", "why"),
    [
        (
            "url as a number",
            lambda t: t.set_column(t.schema.get_field_index("url"), "url", pa.array(range(t.num_rows))),
            "column url is int64, not string",
        ),
        ("no table name", lambda t: t.replace_schema_metadata({}), "names no table"),
        (
            "dates past 9999",
            lambda t: t.set_column(
                t.schema.get_field_index("fetched_at"),
                t.schema.field("fetched_at"),
                pa.array([2**62] * t.num_rows, pa.int64()).cast(t.schema.field("fetched_at").type),
            ),
            "outside the years 1 to 9999",
        ),
    ],
)
def test_a_file_readers_could_misread_fails_verify(archive, kind, change, why):
    good = sorted((archive / "pages").glob("*.parquet"))[0]
    bad = archive / "pages" / "zz-bad.parquet"
    table = pq.read_table(good)
    changed = change(table)
    metadata = {} if kind == "no table name" else table.schema.metadata
    pq.write_table(changed.replace_schema_metadata(metadata), bad)
    found = run_blogarchive("verify", str(archive))
    assert found.returncode == 1 and f"damaged  {bad}  (" in found.stdout and why in found.stdout, found.stdout
    exported = run_blogarchive("export", str(archive), "--format", "jsonl")
    assert exported.returncode == 1 and exported.stderr.count("\n") == 1 and "Traceback" not in exported.stderr


def test_names_that_are_no_regular_file_are_named_by_verify_and_quarantine_refuses_links(archive, tmp_path):
    import os

    (archive / "pages" / "folder.parquet").mkdir()
    os.mkfifo(archive / "fetches" / "fifo.parquet")
    (archive / "crawls" / "dangling.parquet").symlink_to(tmp_path / "nothing")
    found = run_blogarchive("verify", str(archive))
    assert found.returncode == 1
    for name, what in (
        ("folder.parquet", "a folder"),
        ("fifo.parquet", "a FIFO"),
        ("dangling.parquet", "a symbolic link to nothing"),
    ):
        assert f"{name}  ({what})" in found.stdout, found.stdout
    assert run_blogarchive("stats", str(archive)).returncode == 0  # readers skip them

    outside = tmp_path / "outside"
    outside.mkdir()
    (archive / "quarantine").symlink_to(outside, target_is_directory=True)
    refused = run_blogarchive("verify", str(archive), "--quarantine")
    assert refused.returncode == 1 and "symbolic link" in refused.stderr and list(outside.iterdir()) == []
    (archive / "quarantine").unlink()
    moved = run_blogarchive("verify", str(archive), "--quarantine")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert run_blogarchive("verify", str(archive)).stdout.strip().endswith("all readable")
