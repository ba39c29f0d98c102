"""The language of a page's text: what it declares, unless the text plainly says otherwise.

Themes declare `<html lang="en-US">` whatever their posts are written in, and SEO
plugins copy the site's setting into JSON-LD, so a declaration is a hint, not a
fact. py3langid (trafilatura's author's port of langid.py: 97 languages, no
network, ~0.5 ms a page) reads the text; its answer wins when the text is long
enough to judge and the model is confident, otherwise the declaration stands.

py3langid ships its model compressed (4.5 MB of LZMA) and unpacks it in every process
that loads it: 0.4 s of CPU and 75 MB of private memory in each extraction worker. The
first load writes the unpacked arrays to a cache folder; every later load maps them
(read-only, a few milliseconds), so the pages of the model are shared by all the
processes of a machine and only those a text touches are read.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import shutil
import tempfile
import time
from array import array
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = ["cache_folder", "load_model", "text_language"]

logger = logging.getLogger(__name__)

#: shorter texts (a caption, a title-only page) keep what the page declares
MIN_CHARACTERS = 200
#: the model's probability above which the text's language overrides the declaration
CONFIDENT = 0.9
#: the text read for detection: its start says enough and keeps the cost flat
SAMPLE_CHARACTERS = 4000


def cache_folder() -> Path | None:
    """Where blogarchive keeps what it can rebuild: $BLOGARCHIVE_CACHE_DIR, else
    $XDG_CACHE_HOME/blogarchive (when absolute, as the XDG spec asks), else
    ~/.cache/blogarchive; None where there is no home to find (a container's user)."""
    if folder := os.environ.get("BLOGARCHIVE_CACHE_DIR"):
        return Path(folder).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / "blogarchive"
    try:
        return Path.home() / ".cache" / "blogarchive"
    except RuntimeError:  # no $HOME and no passwd entry
        return None


@lru_cache(maxsize=1)
def load_model() -> LanguageIdentifier | None:
    """The model, loaded once per process on first use: mapped from the cache, or unpacked
    (0.4 s) and cached. None when it cannot be loaded at all (py3langid unpacks it into a
    temporary file, which a full TMPDIR refuses): then every page keeps the language it
    declares."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import load_model as unpack

    packaged = MODEL_DIR / MODEL_FILE
    try:
        folder = _folder(packaged)
    except OSError:  # no model file to key the cache on: unpack (and report) below
        folder = None
    if folder is not None and (folder / "complete").exists():
        try:
            ptc, pc, classes, nextmove, row, output = _map(folder)
            return LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
        except Exception as exc:  # damaged (EOFError, TypeError, ValueError, ...): rebuilt below
            logger.debug("the cached language model in %s cannot be read (%s)", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)  # processes that mapped it keep their pages
    try:
        ptc, pc, classes, nextmove, row, output = unpack(packaged)
    except OSError as exc:
        logger.warning(
            "language detection is off: its model cannot be loaded (%s); pages keep their declared language",
            exc.strerror or exc,
        )
        return None
    if folder is not None:
        try:
            _write((ptc, pc, classes, nextmove, row, output), folder)
        except OSError as exc:  # a read-only or full disk: this process uses what it unpacked
            logger.debug("the language model cannot be cached in %s (%s)", folder, exc)
    import numpy as np

    return LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, norm_probs=True, tk_row=row)


def _folder(packaged: Path) -> Path | None:
    """The cache folder of this model file (by its size and time: a new py3langid, a new folder)."""
    root = cache_folder()
    if root is None:
        return None
    stat = packaged.stat()
    return root / f"langid-{stat.st_size}-{stat.st_mtime_ns}"


#: staging folders older than this are left by a process killed while writing: removed
STALE_SECONDS = 3600


def _write(model: tuple[Any, ...], folder: Path) -> None:
    """Write the unpacked model to `folder`, whole or not at all: into a staging folder beside
    it, every file synced, then renamed, so that neither a crawl starting meanwhile nor a
    power cut leaves a folder marked complete with half its files."""
    import numpy as np

    ptc, pc, classes, nextmove, row, output = model
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder)
    staging = Path(tempfile.mkdtemp(prefix=".langid-", dir=folder.parent))
    try:
        np.save(staging / "ptc.npy", np.ascontiguousarray(ptc))
        np.save(staging / "pc.npy", np.asarray(pc))
        (staging / "nextmove.u32").write_bytes(array("I", nextmove).tobytes())
        (staging / "row.u16").write_bytes(array("H", row).tobytes())
        np.save(staging / "output.npy", np.asarray(output, dtype=np.int32))
        (staging / "classes.json").write_text(json.dumps(list(classes)))
        (staging / "complete").touch()
        for entry in staging.iterdir():
            _sync(entry)
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would keep other users' crawls from sharing it
        _sync(staging)
        os.replace(staging, folder)
        _sync(folder.parent)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "complete").exists():  # else another process cached it first
            raise


def _remove_stale(folder: Path) -> None:
    """Remove what a killed writer left: staging folders past STALE_SECONDS, and `folder`
    itself when it is there but not marked complete (os.replace cannot replace it)."""
    if folder.exists() and not (folder / "complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
    for staging in folder.parent.glob(".langid-*"):
        try:
            if time.time() - staging.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            pass


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _map(folder: Path) -> tuple[Any, Any, list[str], memoryview, array, list[int]]:
    """The cached arrays: the two large ones mapped read-only, the small ones read."""
    import numpy as np

    ptc = np.load(folder / "ptc.npy", mmap_mode="r")
    pc = np.load(folder / "pc.npy")
    with open(folder / "nextmove.u32", "rb") as file:
        nextmove = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)).cast("I")
    row = array("H")
    row.frombytes((folder / "row.u16").read_bytes())
    output = np.load(folder / "output.npy").tolist()
    classes = json.loads((folder / "classes.json").read_text())
    if ptc.ndim != 2 or ptc.shape[1] != len(classes) or len(pc) != len(classes) or len(row) != len(output):
        raise ValueError("the cached arrays do not fit together")
    if max(row) * 256 + 256 > len(nextmove) or max(output) >= len(ptc):
        raise ValueError("the cached tables are short")
    return ptc, pc, classes, nextmove, row, output


def text_language(text: str, declared: str | None) -> str | None:
    """An ISO 639 code for `text`; `declared` is the page's own (already normalised)."""
    if len(text) < MIN_CHARACTERS or (model := load_model()) is None:
        return declared
    detected, probability = model.classify(text[:SAMPLE_CHARACTERS])
    if probability < CONFIDENT or detected == declared:
        return declared
    return detected
