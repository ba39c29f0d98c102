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
    assert first["mapped"] and first["ours"] == first["own"]
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


def test_a_cache_that_cannot_be_written_loads_the_packaged_model(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    result = probe(blocker / "cache")
    assert not result["mapped"] and result["ours"] == result["own"]
