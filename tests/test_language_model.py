"""The language model's cache: the first load writes the unpacked model, later loads map
it, a damaged cache is never trusted, and every route gives py3langid's own answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

TEXTS = [
    "Die Fähren verlassen den Hafen im Morgengrauen und die Möwen folgen ihnen hinaus aufs Meer. " * 3,
    "The ferries leave the harbour at dawn and the gulls follow them out to sea. " * 3,
    "Les ferries quittent le port à l'aube et les mouettes les suivent vers le large. " * 3,
    "古い橋を渡って、私たちは夕方に村へ向かった。川の水は冷たかった。" * 5,
]

#: prints the answers of the model load_model() gives, py3langid's own, and how it was loaded
PROBE = """
import json, sys
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from blogarchive.pipelines.language import load_model
texts = json.loads(sys.argv[1])
model = load_model()
own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
print(json.dumps({
    "ours": [model.classify(t) for t in texts],
    "own": [own.classify(t) for t in texts],
    "mapped": type(model.tk_nextmove).__name__ == "memoryview",
}))
"""


def probe(cache) -> dict:
    env = {**os.environ, "BLOGARCHIVE_CACHE_DIR": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(TEXTS)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_first_load_caches_the_model_and_later_loads_map_it(tmp_path):
    cache = tmp_path / "cache"
    first = probe(cache)
    assert not first["mapped"] and first["ours"] == first["own"]  # it uses what it unpacked
    [folder] = cache.glob("langid-*")
    assert (folder / "complete").exists()
    assert not list(cache.glob(".langid-*"))  # no staging folder left behind
    written = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    second = probe(cache)
    assert second["mapped"] and second["ours"] == second["own"]
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == written  # read, not rewritten
    assert [language for language, _ in second["ours"]] == ["de", "en", "fr", "ja"]


def test_a_damaged_cache_is_not_trusted(tmp_path):
    cache = tmp_path / "cache"
    probe(cache)
    [folder] = cache.glob("langid-*")
    table = folder / "nextmove.u32"
    table.write_bytes(table.read_bytes()[: 1 << 16])  # cut short, as by a full disk
    damaged = probe(cache)
    assert not damaged["mapped"]  # the packaged model, unpacked again
    assert damaged["ours"] == damaged["own"]
    assert probe(cache)["mapped"]  # and cached again


def test_a_cache_that_cannot_be_written_loads_the_packaged_model(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    result = probe(blocker / "cache")
    assert not result["mapped"] and result["ours"] == result["own"]


def test_a_cache_damaged_by_a_power_cut_is_rebuilt(tmp_path):
    """Files cut to nothing, or to a length no array has, under a folder marked complete:
    the packaged model answers, and the folder is written again for the next process."""
    cache = tmp_path / "cache"
    probe(cache)
    [folder] = cache.glob("langid-*")
    (folder / "output.npy").write_bytes(b"")
    with open(folder / "nextmove.u32", "r+b") as table:
        table.truncate(table.seek(0, 2) - 1)
    damaged = probe(cache)
    assert not damaged["mapped"] and damaged["ours"] == damaged["own"]
    rebuilt = probe(cache)
    assert rebuilt["mapped"] and rebuilt["ours"] == rebuilt["own"]


def test_a_half_written_cache_is_replaced_and_old_staging_folders_removed(tmp_path):
    import time

    cache = tmp_path / "cache"
    probe(cache)
    [folder] = cache.glob("langid-*")
    (folder / "complete").unlink()  # a folder without its mark: what only damage leaves
    stale = cache / ".langid-killed"
    stale.mkdir()
    (stale / "ptc.npy").write_bytes(b"x" * 1000)
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = cache / ".langid-writing"  # another process writing now: left alone
    fresh.mkdir()
    repaired = probe(cache)
    assert not repaired["mapped"] and repaired["ours"] == repaired["own"]
    assert (folder / "complete").exists() and not stale.exists() and fresh.exists()
    assert folder.stat().st_mode & 0o777 == 0o755  # other users' crawls can map it too
    assert probe(cache)["mapped"]


def test_no_home_means_no_cache_not_no_language(monkeypatch, tmp_path):
    from pathlib import Path

    from blogarchive.pipelines import language

    for name in ("BLOGARCHIVE_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(homeless))
    assert language.cache_folder() is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec: ignored unless absolute
    assert language.cache_folder() is None
    monkeypatch.setenv("BLOGARCHIVE_CACHE_DIR", "~/models")
    assert language.cache_folder() == Path(os.path.expanduser("~/models"))
