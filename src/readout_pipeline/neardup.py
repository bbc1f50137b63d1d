"""Near-duplicate fingerprints of cleaned texts (pure functions, deterministic).

A text is reduced to *shingles*: every run of ``SHINGLE_WORDS`` consecutive words of its
case-folded, punctuation-free word sequence, each hashed to 64 bits with BLAKE2b (never
Python's salted ``hash``). From the shingle set come:

- ``simhash``: a 64-bit SimHash (Charikar): bit i is set when most shingles have bit i set.
  Similar texts have a small Hamming distance.
- ``minhash``: a ``MINHASH_SIZE``-slot one-permutation MinHash with rotation densification
  (each slot keeps the smallest 32-bit value of the shingles hashed to it; empty slots borrow
  from the next non-empty one). The share of equal slots estimates the Jaccard similarity.
- ``lsh_buckets``: the MinHash cut into ``LSH_BANDS`` bands of ``LSH_ROWS`` slots, each band
  hashed to one 64-bit bucket. Two texts share at least one bucket with probability
  ``1 - (1 - J**LSH_ROWS) ** LSH_BANDS`` (J = their Jaccard similarity): candidates are found by
  equality joins on buckets, never by comparing every pair.

Candidates are then verified with the exact Jaccard similarity of the two shingle sets
(``jaccard``); ``DEFAULT_THRESHOLD`` was set by measurement (``bench/neardup_quality.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b
from itertools import accumulate
from struct import unpack

__all__ = [
    "FINGERPRINT_VERSION",
    "SHINGLE_WORDS",
    "MINHASH_SIZE",
    "LSH_BANDS",
    "LSH_ROWS",
    "DEFAULT_THRESHOLD",
    "Fingerprint",
    "words",
    "shingles",
    "simhash",
    "minhash",
    "lsh_buckets",
    "fingerprint",
    "jaccard",
    "minhash_similarity",
    "hamming",
    "simhash_similarity",
]

SHINGLE_WORDS = 5
MINHASH_SIZE = 128
LSH_BANDS = 32
LSH_ROWS = MINHASH_SIZE // LSH_BANDS  # 4
# Exact shingle Jaccard at or above which two texts are one statement (see the bench).
DEFAULT_THRESHOLD = 0.6
FINGERPRINT_VERSION = f"w{SHINGLE_WORDS}-sim64-oph{MINHASH_SIZE}-b{LSH_BANDS}x{LSH_ROWS}-v1"

_WORD = re.compile(r"\w+")
_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_SLOT_BITS = MINHASH_SIZE.bit_length() - 1
assert 1 << _SLOT_BITS == MINHASH_SIZE, "MINHASH_SIZE must be a power of two"
assert LSH_BANDS * LSH_ROWS == MINHASH_SIZE


def words(text: str) -> list[str]:
    """Case-folded words (letters/digits runs, NFKC): punctuation and spacing do not count."""
    return _WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())


def _h64(data: bytes) -> int:
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "little")


def _shingle_digests(text: str, k: int = SHINGLE_WORDS) -> set[bytes]:
    """The 8-byte BLAKE2b digest of every k-word window, as stored little-endian by `_h64`.

    The words are joined and encoded once; each window is a slice of that buffer (the bytes of
    " ".join(window).encode()), so no window is joined or encoded on its own."""
    toks = words(text)
    if not toks:
        return set()
    joined = " ".join(toks).encode()
    if len(toks) <= k:
        return {blake2b(joined, digest_size=8).digest()}
    if len(joined) == len(toks) - 1 + sum(map(len, toks)):  # ASCII: a character is a byte
        sizes = list(map(len, toks))
    else:
        sizes = [len(t.encode()) for t in toks]
    ends = list(accumulate(size + 1 for size in sizes))  # one past each word's space
    starts = [0, *ends[:-1]]
    view = memoryview(joined)
    return {
        blake2b(view[start : end - 1], digest_size=8).digest()
        for start, end in zip(starts, ends[k - 1 :], strict=False)  # the n - k + 1 windows
    }


def shingles(text: str, k: int = SHINGLE_WORDS) -> frozenset[int]:
    """64-bit hashes of every k-word window (a text shorter than k words is one shingle)."""
    digests = _shingle_digests(text, k)
    return frozenset(unpack(f"<{len(digests)}Q", b"".join(digests)))


def simhash(hashes: Iterable[int]) -> int:
    """64-bit SimHash of a set of 64-bit shingle hashes (0 for an empty set)."""
    hs = list(hashes)
    return _simhash_packed(b"".join(h.to_bytes(8, "little") for h in hs), len(hs))


def _simhash_packed(packed: bytes, n: int) -> int:
    """SimHash of `n` hashes given as 8-byte little-endian values, concatenated.

    Byte b of every value, taken as one big integer (a column), ANDed with a mask holding bit k
    of every byte, has as many bits set as there are values with bit 8b+k set: 64 big-integer
    operations at C speed instead of a loop over the values."""
    if not n:
        return 0
    out = 0
    masks = [int.from_bytes(bytes((1 << bit,)) * n, "little") for bit in range(8)]
    for byte in range(8):
        column = int.from_bytes(packed[byte::8], "little")
        for bit, mask in enumerate(masks):
            if 2 * (column & mask).bit_count() > n:
                out |= 1 << (byte * 8 + bit)
    return out


def minhash(hashes: Iterable[int], size: int = MINHASH_SIZE) -> list[int]:
    """One-permutation MinHash: `size` unsigned 32-bit values (all 0xFFFFFFFF for an empty set).

    A shingle hash goes to slot (top bits) and competes with the value of its low 32 bits;
    empty slots take the value of the next non-empty slot (circularly) mixed with the distance,
    so that two sets agree on a slot with probability about their Jaccard similarity."""
    shift = 64 - _SLOT_BITS
    slots = [-1] * size
    for h in hashes:
        slot = h >> shift
        value = h & _MASK32
        if slots[slot] < 0 or value < slots[slot]:
            slots[slot] = value
    filled = [i for i, v in enumerate(slots) if v >= 0]
    if not filled:
        return [_MASK32] * size
    if len(filled) < size:
        out = list(slots)
        for i in range(size):
            if out[i] >= 0:
                continue
            for step in range(1, size):
                j = (i + step) % size
                if slots[j] >= 0:
                    out[i] = (slots[j] * 2654435761 + step * 40503) & _MASK32
                    break
        slots = out
    return slots


def lsh_buckets(signature: list[int], bands: int = LSH_BANDS) -> list[int]:
    """One 64-bit bucket per band of the MinHash signature (the band number is hashed in, so a
    bucket value belongs to exactly one band). Values are < 2**63 (they fit a signed BIGINT)."""
    rows = len(signature) // bands
    out = []
    for band in range(bands):
        chunk = signature[band * rows : (band + 1) * rows]
        data = band.to_bytes(2, "little") + b"".join(v.to_bytes(4, "little") for v in chunk)
        out.append(_h64(data) >> 1)
    return out


@dataclass(frozen=True)
class Fingerprint:
    simhash: int
    minhash: list[int]
    buckets: list[int]
    n_shingles: int


def fingerprint(text: str) -> Fingerprint:
    """All the fingerprints of one cleaned text (as `shingles`, `simhash`, `minhash` and
    `lsh_buckets` give them, with the shingle digests packed once for all of them)."""
    digests = _shingle_digests(text)
    packed = b"".join(digests)
    n = len(digests)
    sig = minhash(unpack(f"<{n}Q", packed))
    return Fingerprint(simhash=_simhash_packed(packed, n), minhash=sig, buckets=lsh_buckets(sig), n_shingles=n)


def jaccard(a: frozenset[int] | set[int], b: frozenset[int] | set[int]) -> float:
    """Exact Jaccard similarity of two shingle sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def minhash_similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity: the share of equal MinHash slots."""
    if len(a) != len(b) or not a:
        raise ValueError("MinHash signatures of different sizes")
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK64).bit_count()


def simhash_similarity(a: int, b: int) -> float:
    """1 - Hamming distance / 64."""
    return 1.0 - hamming(a, b) / 64
