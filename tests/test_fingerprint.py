"""Unit tests for readout_pipeline.fingerprint."""

import hashlib

import pytest

from readout_pipeline.fingerprint import content_hash, doc_id_for, normalize_text, raw_hash


def test_normalize_collapses_whitespace_and_blank_lines():
    text = "  First   line\twith  tabs  \r\n\r\n\r\n\n  Second\u00a0line\u2009here \n\n"
    assert normalize_text(text) == "First line with tabs\nSecond line here"


def test_normalize_paragraph_spacing_is_irrelevant():
    assert normalize_text("a\n\nb\n\n\n\nc") == normalize_text("a\nb\nc") == "a\nb\nc"


def test_normalize_nfc_and_invisible_characters():
    decomposed = "Caf\u0065\u0301 d\u200bi\u00adplo\u2060macy\ufeff"
    assert normalize_text(decomposed) == "Caf\u00e9 diplomacy"


def test_normalize_removes_every_invisible_character():
    invisible = ("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
                 "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    for ch in invisible:
        assert normalize_text(f"{ch}diplo{ch}macy{ch}") == "diplomacy", hex(ord(ch))
    assert normalize_text(f"a{invisible}b") == "ab"
    assert normalize_text("caf\u00e9 \u2019quoted\u2019") == "caf\u00e9 \u2019quoted\u2019"  # other characters stay


def test_normalize_unicode_line_separators():
    assert normalize_text("one\u2028two\u2029three\x85four") == "one\ntwo\nthree\nfour"


def test_normalize_empty():
    assert normalize_text("") == ""
    assert normalize_text(" \n\t\n") == ""


def test_normalize_is_idempotent():
    text = " A  b \n\n c\u00a0 d "
    assert normalize_text(normalize_text(text)) == normalize_text(text)


def test_content_hash_is_sha256_of_normalized_text():
    text = "Hello   world\n\n\nagain"
    expected = hashlib.sha256(b"Hello world\nagain").hexdigest()
    assert content_hash(text) == expected
    assert content_hash("Hello world\nagain  ") == expected


def test_content_hash_differs_for_different_text():
    assert content_hash("a b") != content_hash("a c")


def test_raw_hash():
    assert raw_hash(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert raw_hash(b"abc") != raw_hash(b"abc ")


def test_doc_id_for():
    h = content_hash("some readout")
    assert doc_id_for(h) == h[:16]
    assert len(doc_id_for(h)) == 16
    assert doc_id_for(h.upper()) == h[:16]
    with pytest.raises(ValueError):
        doc_id_for("abc")
