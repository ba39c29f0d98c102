"""Near-duplicate texts: a MinHash signature per text, and an index that finds the earliest
archived text at least `THRESHOLD` similar to a new one.

Similarity is the Jaccard similarity of two texts' sets of 3-word shingles (words
case-folded; in scripts written without spaces, Chinese, Japanese and Thai, each character
is a word), estimated as the share of the `NUM_PERM` MinHash values two signatures hold in
common. A reposted article with another footer, its paragraphs reordered or a sentence
changed keeps most of its shingles; two posts on one topic share words, not runs of them.

The MinHash is datasketch's `affine32` scheme (SHA-1 of each shingle, the MurmurHash3
finalizer, then `a*h + b` modulo 2**32 with parameters drawn by `RandomState(SEED)`),
written out here because importing datasketch imports SciPy, 0.4 s in every process of
every crawl; the tests check that both give the same values. Being a pure function of the
text, a signature is the same in every process and run (trafilatura's deduplication
keeps an in-process cache, so its answer depends on what the process saw before).

The index is the locality-sensitive hashing of Broder's and Leskovec's texts: the 64
values in `BANDS` bands of `ROWS`; texts sharing one whole band are candidates, and a
candidate counts when its estimated similarity reaches the threshold. With 8 bands of 8, a
pair 0.9 similar is a candidate with probability 0.99, a pair 0.5 similar with 0.03.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "NUM_PERM",
    "SIGNATURE_BYTES",
    "THRESHOLD",
    "NearDuplicate",
    "NearDuplicateIndex",
    "UrlColumn",
    "signature_matrix",
    "similarity",
    "text_signature",
]

NUM_PERM = 64
SEED = 1
SHINGLE_WORDS = 3
#: texts of fewer words get no signature: their similarity says little (and a banner or
#: placeholder shared by many pages is dedup's business, not this)
MIN_WORDS = 50
THRESHOLD = 0.9
BANDS, ROWS = 8, 8
#: candidates checked per band: the earliest ones (a page copied many times is matched with
#: its earliest copies; a later copy, if ever the only one similar enough, is missed)
CANDIDATES_PER_BAND = 16
#: a signature as stored: NUM_PERM little-endian unsigned 32-bit values
SIGNATURE_BYTES = NUM_PERM * 4

_WORDS = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]|\w+")
#: characters that show nothing: a soft hyphen or a zero-width space inside every word would
#: otherwise make a copy share no word with its original
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_U32 = np.uint32


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(SEED)
    a = rng.randint(0, 1 << 31, NUM_PERM, dtype=_U32) * _U32(2) + _U32(1)
    b = rng.randint(0, 1 << 32, NUM_PERM, dtype=_U32)
    return a, b


_A, _B = _permutations()
#: odd 64-bit multipliers that fold a band's ROWS values into one key
_BAND_MIX = (
    np.random.RandomState(SEED + 1).randint(0, 1 << 62, ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
).astype(np.uint64)


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


def shingles(text: str) -> set[bytes]:
    words = _WORDS.findall(unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold())
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def text_signature(text: str) -> bytes | None:
    """The MinHash signature of `text` (`SIGNATURE_BYTES` bytes), or None for a text of
    fewer than `MIN_WORDS` words."""
    found = shingles(text)
    if len(found) < MIN_WORDS - SHINGLE_WORDS + 1:
        return None
    hashes = np.fromiter(
        (int.from_bytes(hashlib.sha1(s).digest()[:4], "little") for s in found), dtype=_U32, count=len(found)
    )
    with np.errstate(over="ignore"):
        permuted = _fmix32(hashes).reshape(-1, 1) * _A + _B
    return permuted.min(axis=0).astype("<u4").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of the texts of two signatures."""
    return float(np.count_nonzero(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4"))) / NUM_PERM


def signature_matrix(signatures: Sequence[bytes] | pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Signatures (bytes, or a pyarrow binary array of them, none null) as one (n, NUM_PERM)
    array; a pyarrow array's values are read in place."""
    if hasattr(signatures, "buffers") or hasattr(signatures, "combine_chunks"):
        return _arrow_matrix(signatures)
    if not signatures:
        return np.zeros((0, NUM_PERM), dtype=_U32)
    return np.frombuffer(b"".join(signatures), dtype="<u4").reshape(-1, NUM_PERM).astype(_U32)


def _arrow_matrix(signatures: pa.Array | pa.ChunkedArray) -> np.ndarray:
    # pyarrow is imported here, not above: `get --print` extracts pages with no archive, and
    # loads no archive library
    import pyarrow as pa
    import pyarrow.compute as pc

    array = signatures.combine_chunks() if isinstance(signatures, pa.ChunkedArray) else signatures
    if len(array) == 0:
        return np.zeros((0, NUM_PERM), dtype=_U32)
    array = array.cast(pa.large_binary())
    if array.null_count or not pc.all(pc.equal(pc.binary_length(array), SIGNATURE_BYTES)).as_py():
        raise ValueError(f"signatures must be {SIGNATURE_BYTES} bytes each")
    start = array.offset
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[start : start + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.view("<u4").reshape(-1, NUM_PERM).astype(_U32, copy=False)  # a view of the array's values


def band_keys(matrix: np.ndarray) -> np.ndarray:
    """(n, BANDS) keys: each band's ROWS values folded into one 64-bit number."""
    keys = np.empty((len(matrix), BANDS), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(BANDS):  # a band at a time: the whole matrix as uint64 would be twice its size
            rows = matrix[:, band * ROWS : (band + 1) * ROWS].astype(np.uint64)
            keys[:, band] = (rows * _BAND_MIX).sum(axis=1, dtype=np.uint64)
    return keys


class Urls(Protocol):
    """What the index needs of its URLs: a list, or a view of a pyarrow array."""

    def __len__(self) -> int: ...

    def __getitem__(self, position: int, /) -> str: ...


class UrlColumn:
    """A pyarrow string array read as `Urls` (a million URLs as Python strings would take a
    hundred MB more)."""

    def __init__(self, urls: pa.Array) -> None:
        self._urls = urls

    def __len__(self) -> int:
        return len(self._urls)

    def __getitem__(self, position: int) -> str:
        return self._urls[position].as_py()


class NearDuplicate(NamedTuple):
    url: str
    similarity: float


class NearDuplicateIndex:
    """The archive's signatures, oldest first, and the ones this crawl adds.

    The archived ones are held as arrays (a million texts take about 350 MB: 256 bytes of
    signature, and per band an 8-byte key and a 4-byte position); each added one also goes
    into a small dictionary per band.
    """

    def __init__(self, urls: Urls = (), signatures: np.ndarray | None = None, threshold: float = THRESHOLD):
        self.threshold = threshold
        self._urls = urls
        self._added_urls: list[str] = []
        self._matrix = signatures if signatures is not None else np.zeros((0, NUM_PERM), dtype=_U32)
        if len(self._urls) != len(self._matrix):
            raise ValueError("one URL per signature")
        keys = band_keys(self._matrix)
        self._order = [np.argsort(keys[:, band], kind="stable").astype(np.int32) for band in range(BANDS)]
        self._sorted = [keys[self._order[band], band] for band in range(BANDS)]
        self._added: list[bytes] = []
        self._added_keys: list[dict[int, list[int]]] = [{} for _ in range(BANDS)]

    def __len__(self) -> int:
        return len(self._urls) + len(self._added_urls)

    def _url(self, position: int) -> str:
        base = len(self._matrix)
        return self._added_urls[position - base] if position >= base else self._urls[position]

    def _candidates(self, keys: np.ndarray) -> set[int]:
        """The earliest `CANDIDATES_PER_BAND` texts sharing each band with `keys`: a text
        copied ten thousand times costs a bounded check, not one per copy."""
        found: set[int] = set()
        base = len(self._matrix)
        for band in range(BANDS):
            key = keys[band]
            column = self._sorted[band]
            at = int(np.searchsorted(column, key))
            # a stable sort keeps the positions of equal keys in order: the earliest first
            end = int(np.searchsorted(column, key, side="right"))
            found.update(int(p) for p in self._order[band][at : min(end, at + CANDIDATES_PER_BAND)])
            found.update(base + i for i in self._added_keys[band].get(int(key), [])[:CANDIDATES_PER_BAND])
        return found

    def _signature(self, position: int) -> bytes:
        base = len(self._matrix)
        return self._added[position - base] if position >= base else self._matrix[position].astype("<u4").tobytes()

    def match(self, url: str, signature: bytes) -> NearDuplicate | None:
        """The earliest text (of another URL) at least `threshold` similar to `signature`."""
        keys = band_keys(signature_matrix([signature]))[0]
        for position in sorted(self._candidates(keys)):
            if self._url(position) == url:
                continue
            score = similarity(signature, self._signature(position))
            if score >= self.threshold:
                return NearDuplicate(self._url(position), score)
        return None

    def add(self, url: str, signature: bytes) -> None:
        keys = band_keys(signature_matrix([signature]))[0]
        for band in range(BANDS):
            self._added_keys[band].setdefault(int(keys[band]), []).append(len(self._added))
        self._added_urls.append(url)
        self._added.append(signature)
