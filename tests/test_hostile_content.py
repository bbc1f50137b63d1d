"""Issue 3, cases 7, 8 and 11: charset conflicts, bodies that are not HTML, and archive paths
that nothing from a URL or a header can influence."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpserver
import pytest

from readout_pipeline import archive, clean, fingerprint
from readout_pipeline.fetch import FetchPolicy, fetch_all
from readout_pipeline.pages import NOT_TEXT, RawPage, parse_page

http_server = httpserver.http_server

CP1252_TEXT = "Café “quoted” – naïve € déjà"
UTF8_TEXT = "Привет, café – déjà"


def _html(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


# (name, body bytes, header charset, expected decoded text fragment)
CHARSET_MATRIX = [
    # BOM beats header and meta
    ("bom8-vs-header-latin1-meta-1251",
     b"\xef\xbb\xbf" + _html(UTF8_TEXT, '<meta charset="windows-1251">').encode(),
     "iso-8859-1", UTF8_TEXT),
    ("bom16le-vs-header-utf8",
     b"\xff\xfe" + _html(UTF8_TEXT).encode("utf-16-le"), "utf-8", UTF8_TEXT),
    ("bom16be-no-header",
     b"\xfe\xff" + _html(UTF8_TEXT).encode("utf-16-be"), None, UTF8_TEXT),
    # header beats meta
    ("header-1252-vs-meta-utf8",
     _html(CP1252_TEXT, '<meta charset="utf-8">').encode("cp1252"), "windows-1252",
     CP1252_TEXT),
    ("header-latin1-means-1252",
     _html(CP1252_TEXT).encode("cp1252"), "ISO-8859-1", CP1252_TEXT),
    ("header-quoted-upper",
     _html("Привет").encode("koi8-r"),
     '"KOI8-R"', "Привет"),
    # bogus header: the meta decides
    ("bogus-header-meta-1252",
     _html(CP1252_TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">')
     .encode("cp1252"), "x-no-such-charset", CP1252_TEXT),
    ("bogus-header-no-meta-1252-bytes",
     _html(CP1252_TEXT).encode("cp1252"), "foo-bar", CP1252_TEXT),
    ("utf7-header-refused", _html("a+ACM-b").encode(), "utf-7", "a+ACM-b"),
    ("binary-codec-header-refused", _html(CP1252_TEXT).encode("cp1252"), "base64", CP1252_TEXT),
    ("idna-header-refused", _html(CP1252_TEXT).encode("cp1252"), "idna", CP1252_TEXT),
    ("punycode-meta-refused",
     _html(CP1252_TEXT, "<meta charset=punycode>").encode("cp1252"), None, CP1252_TEXT),
    ("undefined-header-refused", _html(UTF8_TEXT).encode(), "undefined", UTF8_TEXT),
    ("unicode-escape-header-refused", _html("a\\u00e9b").encode(), "unicode_escape", "a\\u00e9b"),
    # meta only
    ("meta-1252", _html(CP1252_TEXT, "<meta charset=windows-1252>").encode("cp1252"), None,
     CP1252_TEXT),
    ("meta-latin1-but-bytes-are-utf8",
     _html(UTF8_TEXT, '<meta charset="iso-8859-1">').encode(), None, UTF8_TEXT),
    ("meta-utf16-on-ascii-bytes", _html(UTF8_TEXT, '<meta charset="utf-16">').encode(), None,
     UTF8_TEXT),
    # nothing declared
    ("no-label-utf8", _html(UTF8_TEXT).encode(), None, UTF8_TEXT),
    ("no-label-windows-1252", _html(CP1252_TEXT).encode("cp1252"), None, CP1252_TEXT),
    ("empty-header-charset", _html(UTF8_TEXT).encode(), "", UTF8_TEXT),
]


@pytest.mark.parametrize(("name", "body", "charset", "expected"), CHARSET_MATRIX,
                         ids=[c[0] for c in CHARSET_MATRIX])
def test_charset_conflict_matrix(name, body, charset, expected):
    text = clean.decode_body(body, charset)
    assert expected in text, text
    assert clean.decode_body(body, charset) == text  # deterministic


def test_header_wins_even_when_it_lies():
    # a header charset is authoritative (as in browsers): UTF-8 declared, cp1252 bytes sent
    body = _html(CP1252_TEXT).encode("cp1252")
    assert clean.decode_body(body, "utf-8") == body.decode("utf-8", "replace")


def test_never_raises_on_any_label():
    body = b"<html>\xe9\xff\x00\x81\x8d\\u00e9</html>"
    labels = [None, "", " ", "utf-8", "utf-16", "utf-32-le", "bogus", "base64", "hex", "rot13",
              "zip", "uu", "idna", "punycode", "undefined", "mbcs", "utf-8-sig", "cp037",
              "x-user-defined", "\x00", "utf-8\"; q=1", "a" * 1000]
    for label in labels:
        assert isinstance(clean.decode_body(body, label), str), label


_HASH_SCRIPT = """
import sys
from readout_pipeline import clean, fingerprint
body = sys.stdin.buffer.read()
print(fingerprint.content_hash(clean.decode_body(body, sys.argv[1] or None)))
"""


@pytest.mark.parametrize("case", [2, 7, 9, 18], ids=lambda i: CHARSET_MATRIX[i][0])
def test_same_bytes_same_content_hash_across_processes(case):
    _, body, charset, _ = CHARSET_MATRIX[case]
    here = fingerprint.content_hash(clean.decode_body(body, charset))
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _HASH_SCRIPT, charset or ""], input=body,
            capture_output=True, check=True, env=env, timeout=60,
        ).stdout.decode().strip()
        assert out == here


# --- not HTML -------------------------------------------------------------------------------------

_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
_PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
_ZIP = b"PK\x03\x04" + b"\0" * 64
_HTML = b"<!doctype html><html><body><p>A readout of the call.</p></body></html>"

NOT_HTML = [
    ("application/pdf", _PDF),
    ("image/png", _PNG),
    ("image/jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 32),
    ("application/zip", _ZIP),
    ("application/octet-stream", _HTML),  # the label alone says "not text"
    ("application/octet-stream", b"\x00\x01\x02\x03binary"),
    ("text/html", _PDF),  # an "HTML" body that is a PDF
    ("text/html", b"   \n%PDF-1.4 leading whitespace"),
    ("text/plain", _ZIP),
    (None, _PDF),
    ("text/html", b"\x00" * 10 + _HTML),
]


def _raw(body: bytes, content_type: str | None, url: str = "https://press.example.gov/a"):
    return RawPage(url=url, fetch_url=url, source_id="s", raw_sha256=archive.body_sha256(body),
                   content_type=content_type, charset=None, fetched_at=datetime.now(UTC),
                   body=body)


@pytest.mark.parametrize(("ctype", "body"), NOT_HTML, ids=[f"{c}-{b[:6]!r}" for c, b in NOT_HTML])
def test_not_html_is_never_cleaned_and_keeps_its_mime_type(ctype, body, monkeypatch):
    def boom(*a, **kw):  # the HTML cleaner must not even be called
        raise AssertionError("clean_html called on a non-HTML body")

    monkeypatch.setattr(clean, "clean_html", boom)
    monkeypatch.setattr(clean, "clean_text", boom)
    parsed = parse_page(_raw(body, ctype))
    assert parsed.outcome == NOT_TEXT and parsed.doc is None
    assert parsed.raw.content_type == ctype  # recorded with its MIME type


def test_fetched_pdf_reports_its_content_type_and_is_not_text(http_server):
    http_server.route("/r.pdf", body=_PDF, headers={"Content-Type": "application/pdf"})
    http_server.route("/fake.html", body=_PDF, headers={"Content-Type": "text/html; charset=utf-8"})
    http_server.route("/img", body=_PNG, headers={"Content-Type": "image/png"})
    http_server.route("/ok", body=_HTML, headers={"Content-Type": "text/html"})
    p = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), min_delay=0.0, obey_robots=False)
    rs = fetch_all([http_server.url(x) for x in ("/r.pdf", "/fake.html", "/img", "/ok")], p)
    assert [r.content_type for r in rs] == ["application/pdf", "text/html", "image/png",
                                            "text/html"]
    outcomes = [parse_page(_raw(r.body, r.content_type, r.url)).outcome for r in rs]
    assert outcomes == [NOT_TEXT, NOT_TEXT, NOT_TEXT, "doc"]


# --- archive paths ---------------------------------------------------------------------------------

HOSTILE_BODIES = [
    b"../../../../etc/passwd",
    b"/etc/shadow\x00.html",
    "C:\\Windows\\system32\\ ☃ \u202e".encode(),
    b"Content-Disposition: attachment; filename=\"../../evil.sh\"",
    b"",
    b"\xff" * 10_000,
]

HOSTILE_NAMES = [
    "../../../../etc/passwd",
    "a" * 64 + "/../../x",
    "/" + "a" * 63,
    "A" * 64,  # upper-case hex is not what store() writes
    "a" * 63,
    "a" * 65,
    "g" * 64,
    "",
    "a" * 64 + "\n",  # a trailing newline must not slip past the pattern
    "a" * 64 + "\x00",
]


def test_store_names_files_by_hash_only(tmp_path):
    arch = tmp_path / "raw"
    shas = [archive.store(arch, b) for b in HOSTILE_BODIES]
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in shas)
    files = [p for p in arch.rglob("*") if p.is_file()]
    assert len(files) == len(set(shas))
    for f in files:
        rel = f.relative_to(arch).parts
        assert re.fullmatch(r"[0-9a-f]{2}", rel[0]) and re.fullmatch(r"[0-9a-f]{2}", rel[1])
        assert re.fullmatch(r"[0-9a-f]{64}\.gz", rel[2]), rel
        assert rel[0] + rel[1] == rel[2][:4] and len(rel) == 3
    for body, sha in zip(HOSTILE_BODIES, shas, strict=True):
        assert archive.load(arch, sha) == body
    # nothing outside the archive directory was created
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def test_saved_gz_file_is_archived_as_it_is_and_reads_back(tmp_path):
    """A saved .html.gz is archived without compressing it again; the archive serves its body."""
    import gzip

    from readout_pipeline.pipeline import read_saved_page

    body = b"<html><body><p>" + b"The ministers met in Amman. " * 200 + b"</p></body></html>"
    saved = tmp_path / "page.html.gz"
    saved.write_bytes(gzip.compress(body, compresslevel=9, mtime=123))
    page = read_saved_page(saved, "s", tmp_path / "raw")
    assert page.raw_sha256 == archive.body_sha256(body) and page.in_archive and page.size == len(body)
    assert archive.archive_path(tmp_path / "raw", page.raw_sha256).read_bytes() == saved.read_bytes()
    assert archive.load(tmp_path / "raw", page.raw_sha256) == body
    plain = tmp_path / "page.html"
    plain.write_bytes(body)
    assert read_saved_page(plain, "s", tmp_path / "raw2").raw_sha256 == page.raw_sha256
    assert archive.load(tmp_path / "raw2", page.raw_sha256) == body


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_archive_path_refuses_anything_but_a_sha256(tmp_path, name):
    with pytest.raises(ValueError):
        archive.archive_path(tmp_path, name)


def test_fetch_and_archive_paths_ignore_url_and_headers(tmp_path, http_server):
    from readout_pipeline import pipeline
    from readout_pipeline.fetch import FetchRequest

    evil = "/..%2F..%2Fetc%2Fpasswd/../../x;.html?name=../../../tmp/pwn#frag"
    http_server.route(
        "/x;.html",  # where the dot segments of ``evil`` lead
        body=b"<html>evil</html>",
        headers={"Content-Type": "text/html", "Content-Disposition": 'attachment; filename="../../../pwn.sh"',
                 "ETag": '"../../x"'},
    )
    p = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), min_delay=0.0, obey_robots=False)
    planned = [pipeline.PlannedFetch(FetchRequest(http_server.url(evil)), "u", "s", None)]
    batch = pipeline.fetch_and_archive(planned, p, tmp_path / "raw")
    assert len(batch.pages) == 1
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert [f.name for f in files] == [f"{archive.body_sha256(b'<html>evil</html>')}.gz"]
    assert all(Path(f).resolve().is_relative_to((tmp_path / "raw").resolve()) for f in files)


def test_saved_files_that_cannot_be_read_are_skipped_and_reported(tmp_path, monkeypatch):
    """One bad file among saved pages is a problem of the run, not its end: the others are read."""
    import gzip
    import os

    from readout_pipeline import pipeline

    body = b"<html><body><p>The ministers met in Amman.</p></body></html>"
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "good.html").write_bytes(body)
    (saved / "corrupt.html.gz").write_bytes(b"\x1f\x8b" + os.urandom(300))
    (saved / "cut.html.gz").write_bytes(gzip.compress(body * 2)[:-20])
    (saved / "big.html").write_bytes(body * 10)
    odd = saved / os.fsdecode(b"caf\xe9.html.gz")  # a Latin-1 name: not UTF-8
    odd.write_bytes(b"not gzip at all")
    files = pipeline.saved_files(saved)
    (saved / "gone.html").write_bytes(body)
    files.append(saved / "gone.html")
    (saved / "gone.html").unlink()  # listed, then removed before it was read
    monkeypatch.setattr(pipeline, "MAX_SAVED_BYTES", len(body) * 8)

    batch = pipeline.read_saved_files(files, "s", tmp_path / "raw")
    assert [p.fetch_url.rsplit("/", 1)[1] for p in batch.pages] == ["good.html"]
    assert sorted(batch.problems) == sorted([
        f"{saved}/big.html: over {len(body) * 8} bytes: skipped",
        f"{saved}/caf\\xe9.html.gz: not readable gzip data: skipped",
        f"{saved}/corrupt.html.gz: not readable gzip data: skipped",
        f"{saved}/cut.html.gz: not readable gzip data: skipped",
        f"{saved}/gone.html: cannot read it (No such file or directory): skipped",
    ])
    assert all(problem.isprintable() for problem in batch.problems)


@pytest.mark.parametrize("damage", ["garbage", "cut off", "another body"])
def test_a_damaged_archive_file_is_a_one_line_warehouse_error(tmp_path, damage):
    import gzip

    from readout_pipeline.errors import WarehouseError

    body = b"<html><body><p>" + b"The ministers met in Amman. " * 100 + b"</p></body></html>"
    sha = archive.store(tmp_path, body)
    path = archive.archive_path(tmp_path, sha)
    stored = path.read_bytes()
    path.write_bytes({"garbage": b"not gzip at all", "cut off": stored[: len(stored) // 2],
                      "another body": gzip.compress(body + b" ")}[damage])
    with pytest.raises(WarehouseError, match=f"raw body {sha} in .* is corrupt"):
        archive.load(tmp_path, sha)
    # moved aside, so that storing the body again writes it whole (store trusts an existing file)
    damaged = path.read_bytes()
    assert archive.set_aside(tmp_path, sha) == path.with_name(f"{sha}.gz.damaged")
    assert not path.exists() and path.with_name(f"{sha}.gz.damaged").read_bytes() == damaged
    assert archive.store(tmp_path, body) == sha and archive.load(tmp_path, sha) == body
    assert archive.set_aside(tmp_path, sha) is None and path.exists()  # whole: left alone
    path.unlink()
    assert archive.set_aside(tmp_path, sha) is None  # absent: nothing to move
