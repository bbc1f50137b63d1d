"""Near-duplicate fingerprints: shingles, SimHash, MinHash, LSH buckets, similarity."""

from __future__ import annotations

from pathlib import Path

import pytest

from readout_pipeline import neardup

FIXTURES = Path(__file__).parent / "fixtures" / "neardup"


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_words_ignore_case_punctuation_and_spacing():
    assert neardup.words("The  Secretary, TODAY:\nspoke—with X.") == ["the", "secretary", "today", "spoke", "with", "x"]
    assert neardup.shingles("A b c d e f") == neardup.shingles("a, B; c d\n e   F!")


def test_shingles_count_and_short_text():
    assert len(neardup.shingles("one two three four five six seven")) == 3
    assert len(neardup.shingles("too short")) == 1
    assert neardup.shingles("") == frozenset()


def test_fingerprints_are_deterministic_and_typed():
    a = neardup.fingerprint(text("call_a.txt"))
    b = neardup.fingerprint(text("call_a.txt"))
    assert a == b
    assert 0 <= a.simhash < 2**64
    assert len(a.minhash) == neardup.MINHASH_SIZE and all(0 <= v < 2**32 for v in a.minhash)
    assert len(a.buckets) == neardup.LSH_BANDS and all(0 <= v < 2**63 for v in a.buckets)
    assert a.n_shingles == len(neardup.shingles(text("call_a.txt")))
    # Known value: guards against an accidental change of the fingerprint (bump FINGERPRINT_VERSION).
    assert neardup.simhash(neardup.shingles("alpha beta gamma delta epsilon zeta")) == neardup.simhash(
        neardup.shingles("ALPHA beta gamma delta epsilon zeta")
    )


def test_republication_is_similar_and_a_different_call_is_not():
    a, rep, other = (neardup.shingles(text(n)) for n in ("call_a.txt", "call_a_republished.txt", "call_b_same_office.txt"))
    same = neardup.jaccard(a, rep)
    different = neardup.jaccard(a, other)
    assert same >= neardup.DEFAULT_THRESHOLD
    assert different < neardup.DEFAULT_THRESHOLD
    assert different > 0.1  # they do share boilerplate
    fa, frep, fother = (neardup.fingerprint(text(n)) for n in ("call_a.txt", "call_a_republished.txt", "call_b_same_office.txt"))
    assert set(fa.buckets) & set(frep.buckets)  # found as candidates by the LSH join
    assert neardup.hamming(fa.simhash, frep.simhash) < neardup.hamming(fa.simhash, fother.simhash)
    assert abs(neardup.minhash_similarity(fa.minhash, frep.minhash) - same) < 0.2


def test_identical_and_empty():
    s = neardup.shingles(text("call_a.txt"))
    assert neardup.jaccard(s, s) == 1.0
    assert neardup.jaccard(frozenset(), frozenset()) == 1.0
    assert neardup.minhash(frozenset()) == [0xFFFFFFFF] * neardup.MINHASH_SIZE
    assert neardup.simhash([]) == 0


def test_minhash_estimates_jaccard():
    base = " ".join(f"w{i}" for i in range(600))
    edited = " ".join(f"w{i}" if i % 10 else f"x{i}" for i in range(600))  # every 10th word changed
    exact = neardup.jaccard(neardup.shingles(base), neardup.shingles(edited))
    est = neardup.minhash_similarity(neardup.fingerprint(base).minhash, neardup.fingerprint(edited).minhash)
    assert est == pytest.approx(exact, abs=0.12)


def test_simhash_majority_bits():
    assert neardup.simhash([0b1011, 0b0011, 0b0001]) == 0b0011
    assert neardup.hamming(0, 2**64 - 1) == 64
    assert neardup.simhash_similarity(5, 5) == 1.0


def test_minhash_similarity_rejects_mismatched_sizes():
    with pytest.raises(ValueError):
        neardup.minhash_similarity([1, 2], [1])


def _reference_shingles(text: str, k: int = neardup.SHINGLE_WORDS) -> frozenset[int]:
    """The definition the stored fingerprints follow, written the plain way: BLAKE2b-64 of each
    window of k words joined by one space, UTF-8, read little-endian."""
    from hashlib import blake2b

    toks = neardup.words(text)
    windows = [toks] if 0 < len(toks) <= k else [toks[i : i + k] for i in range(len(toks) - k + 1)]
    return frozenset(
        int.from_bytes(blake2b(" ".join(w).encode(), digest_size=8).digest(), "little") for w in windows
    )


def _reference_simhash(hashes: frozenset[int]) -> int:
    return sum(1 << bit for bit in range(64) if 2 * sum((h >> bit) & 1 for h in hashes) > len(hashes))


@pytest.mark.parametrize("sample", [
    "", "one", "one two three four five", "one two three four five six",
    "Ünïcödé wörds, ﬁne ２０２４ — São Tomé 北京 会谈 取得 成果 x y z İstanbul ß e\u0301",
    "ascii words then é then more ascii words and a last few words",
    "call_a.txt", "call_b_same_office.txt",
])
def test_fingerprint_matches_the_plain_definition(sample: str):
    """Fingerprints stored by earlier runs stay comparable: the packed computation gives what
    the plain definition gives, for ASCII and non-ASCII words (bytes, not characters, in a window)."""
    body = text(sample) if sample.endswith(".txt") else sample * 3
    expected = _reference_shingles(body)
    assert neardup.shingles(body) == expected
    fp = neardup.fingerprint(body)
    assert fp.n_shingles == len(expected)
    assert fp.simhash == _reference_simhash(expected) == neardup.simhash(expected)
    assert fp.minhash == neardup.minhash(expected)
    assert fp.buckets == neardup.lsh_buckets(neardup.minhash(expected))
