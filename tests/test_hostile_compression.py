"""Issue 3, case 4: decompression bombs and Content-Encoding abuse.

A 1 GB bomb (about 1 MB on the wire) must stop at the decoded-size cap with bounded memory:
the peak RSS growth of this process while fetching is measured from /proc/self/status
(VmHWM after resetting it through /proc/self/clear_refs, or a sampling thread where that is
not allowed) and must stay under the cap plus a small allowance. Brotli is not in the lock:
the fetcher does not advertise ``br`` and treats it (and any other unknown coding) as an
error that is not retried.
"""

from __future__ import annotations

import gc
import gzip
import struct
import threading
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import httpserver
import pytest

from readout_pipeline import clean
from readout_pipeline.fetch import FetchPolicy, FetchResult, fetch_one
from readout_pipeline.pages import NOT_TEXT, RawPage, parse_page

http_server = httpserver.http_server

LOCAL = httpserver.LOCAL
CAP = 5_000_000
GB = 1 << 30
MB = 1 << 20
# what may legitimately be alive besides the capped buffer: the decoder's pieces, httpx's
# read buffers, allocator slack; far below what decoding even 1 % of the bomb would need
ALLOWANCE = 4 * MB


def policy(**kw) -> FetchPolicy:
    return httpserver.fast_policy(**{**dict(total_deadline=20.0, obey_robots=False, max_bytes=CAP), **kw})


# --- building bombs quickly ------------------------------------------------------------------


def _raw_deflate_zeros(total: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``total`` zero bytes, built from one fully flushed 1 MiB block
    repeated (a Z_FULL_FLUSH block is byte-aligned and self-contained), plus its CRC-32."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = c.compress(b"\0" * MB) + c.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # final empty block
    n = total // MB
    crc = 0
    block = b"\0" * MB
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    return piece * n + end, crc


def gzip_bomb(total: int = GB) -> bytes:
    raw, crc = _raw_deflate_zeros(total)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + raw + struct.pack("<II", crc, total & 0xFFFFFFFF)


def zlib_bomb(total: int = GB) -> bytes:
    raw, _ = _raw_deflate_zeros(total)
    adler = 1
    block = b"\0" * MB
    for _ in range(total // MB):
        adler = zlib.adler32(block, adler)
    return b"\x78\xda" + raw + struct.pack(">I", adler)


@pytest.fixture(scope="module")
def gz_bomb() -> bytes:
    return gzip_bomb()


def test_bomb_builder_really_expands_to_one_gigabyte():
    # checked on a 64 MiB instance (same construction, 1/16 the size): a bomb that is not a
    # bomb would make the memory tests below pass vacuously
    small = gzip_bomb(64 * MB)
    assert len(small) < 100_000
    d = zlib.decompressobj(31)
    n = 0
    for i in range(0, len(small), 65536):
        n += len(d.decompress(small[i : i + 65536]))
    assert d.eof and n == 64 * MB
    assert len(zlib.decompress(zlib_bomb(16 * MB))) == 16 * MB


# --- measuring memory -------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/self/status")


class PeakRSS:
    """Peak resident-set growth (bytes) of this process during the ``with`` block."""

    def __enter__(self) -> PeakRSS:
        gc.collect()
        self.base = _status_kb("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            self.hwm = True
        except OSError:
            self.hwm = False
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _status_kb("VmRSS"))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.peak = max(self.peak, _status_kb("VmRSS"))
        if self.hwm:
            self.peak = max(self.peak, _status_kb("VmHWM"))
        self.growth = (self.peak - self.base) * 1024


def fetch_measured(url: str, **kw) -> tuple[FetchResult, int]:
    p = policy(**kw)
    fetch_one(url.rsplit("/", 1)[0] + "/warmup", p)  # event loop, client, SSL context
    with PeakRSS() as m:
        r = fetch_one(url, p)
    return r, m.growth


def assert_capped(r: FetchResult, growth: int) -> None:
    assert r.outcome == "too_large", (r.outcome, r.error)
    assert r.body is None and "exceeds max_bytes 5000000" in r.error
    assert len(r.attempts) == 1  # a cap is not transient: not retried
    assert growth < CAP + ALLOWANCE, f"RSS grew by {growth / MB:.1f} MiB"


# --- the bombs ----------------------------------------------------------------------------------


def test_gzip_bomb_stops_at_cap_with_bounded_memory(http_server, gz_bomb):
    http_server.route("/bomb", body=gz_bomb, headers={"Content-Encoding": "gzip",
                                                      "Content-Type": "text/html"})
    t0 = time.monotonic()
    r, growth = fetch_measured(http_server.url("/bomb"))
    assert_capped(r, growth)
    assert time.monotonic() - t0 < 8.0  # it stops at 5 MB, it does not inflate 1 GB


def test_deflate_bomb_stops_at_cap_with_bounded_memory(http_server):
    http_server.route("/bomb", body=zlib_bomb(), headers={"Content-Encoding": "deflate"})
    r, growth = fetch_measured(http_server.url("/bomb"))
    assert_capped(r, growth)


def test_double_gzip_bomb_stops_at_cap_with_bounded_memory(http_server, gz_bomb):
    # gzip(gzip(1 GB of zeros)): the outer layer is a few KB, the inner one the 1 MB bomb
    double = gzip.compress(gz_bomb, compresslevel=9)
    assert len(double) < 200_000
    http_server.route("/bomb", body=double, headers={"Content-Encoding": "gzip, gzip"})
    r, growth = fetch_measured(http_server.url("/bomb"))
    assert_capped(r, growth)


def test_multi_member_gzip_bomb_stops_at_cap(http_server):
    member = gzip.compress(b"\0" * (10 * MB), compresslevel=9)  # ~10 KB each
    http_server.route("/bomb", body=member * 100, headers={"Content-Encoding": "gzip"})
    r, growth = fetch_measured(http_server.url("/bomb"))
    assert_capped(r, growth)


def test_bomb_without_content_encoding_is_capped_raw_and_never_cleaned(http_server, gz_bomb):
    # served as a .gz "file": the fetcher does not inflate it, the cleaner refuses it
    http_server.route("/page.html", body=gz_bomb, headers={"Content-Type": "text/html"})
    r = fetch_one(http_server.url("/page.html"), policy())
    assert r.ok and r.body == gz_bomb and r.content_type == "text/html"
    assert not clean.is_cleanable(r.content_type, r.body)
    page = RawPage(
        url=r.url, fetch_url=r.url, source_id="s", raw_sha256="0" * 64,
        content_type=r.content_type, charset=None, fetched_at=datetime.now(UTC), body=r.body,
    )
    assert parse_page(page).outcome == NOT_TEXT


# --- legitimate and odd encodings ------------------------------------------------------------------


def test_double_gzip_small_body_is_decoded(http_server):
    payload = b"<html><p>readout</p></html>" * 50
    http_server.route(
        "/gg", body=gzip.compress(gzip.compress(payload)),
        headers={"Content-Encoding": "gzip, gzip", "Content-Type": "text/html"},
    )
    r = fetch_one(http_server.url("/gg"), policy())
    assert r.ok and r.body == payload


def test_multi_member_gzip_is_fully_decoded(http_server):
    # RFC 1952: a gzip file may hold several members; all of them are the body (this used to
    # silently keep only the first member: data loss)
    a, b = b"<html><p>first half</p>", b"<p>second half</p></html>"
    http_server.route(
        "/mm", body=gzip.compress(a) + gzip.compress(b) + b"\0\0\0",
        headers={"Content-Encoding": "gzip"},
    )
    r = fetch_one(http_server.url("/mm"), policy())
    assert r.ok and r.body == a + b


def test_trailing_garbage_after_gzip_member_is_ignored(http_server):
    payload = b"<html>complete</html>"
    http_server.route(
        "/tg", body=gzip.compress(payload) + b"<!-- junk appended by a proxy -->",
        headers={"Content-Encoding": "gzip"},
    )
    r = fetch_one(http_server.url("/tg"), policy())
    assert r.ok and r.body == payload


def test_truncated_second_member_is_data_loss(http_server):
    body = gzip.compress(b"a" * 1000) + gzip.compress(b"b" * 100_000)[:-30]
    http_server.route("/t2", body=body, headers={"Content-Encoding": "gzip"})
    r = fetch_one(http_server.url("/t2"), policy(max_attempts=2))
    assert r.outcome == "network_error" and "truncated" in r.error
    assert len(r.attempts) == 2  # data loss on the wire may be transient: retried


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br", "gzip, gzip, gzip"])
def test_unsupported_content_encoding_is_an_error_not_retried(http_server, encoding):
    http_server.route("/enc", body=b"\x8b\x02\x80hello\x03", headers={"Content-Encoding": encoding})
    r = fetch_one(http_server.url("/enc"), policy(max_attempts=3))
    assert r.outcome == "network_error" and r.body is None
    assert "Content-Encoding" in r.error
    assert len(r.attempts) == 1 and http_server.count("/enc") == 1


def test_brotli_is_never_advertised(http_server):
    http_server.route("/a", body=b"x")
    assert fetch_one(http_server.url("/a"), policy()).ok
    accept = http_server.requests("/a")[0].header("Accept-Encoding")
    assert accept == "gzip, deflate" and "br" not in accept


def test_gzip_label_on_plain_bytes_is_an_error(http_server):
    http_server.route("/lie", body=b"<html>not gzip</html>", headers={"Content-Encoding": "gzip"})
    r = fetch_one(http_server.url("/lie"), policy(max_attempts=1))
    assert r.outcome == "network_error" and "invalid gzip body" in r.error and r.body is None


# --- raw compressed bytes never reach trafilatura --------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        gzip.compress(b"<html><body><p>readout</p></body></html>"),
        b"\x1f\x8b" + b"<html><body>starts with gzip magic</body></html>",
        zlib.compress(b"<html>x</html>")[:2] + b"\0" * 20,
    ],
    ids=["gzip", "gzip-magic", "zlib-nul"],
)
def test_is_cleanable_rejects_compressed_bytes(body):
    for ctype in ("text/html", "text/plain", "application/xhtml+xml", None):
        assert not clean.is_cleanable(ctype, body), ctype


# --- the bytes as received, kept for the archive -------------------------------------------------


def test_one_gzip_member_is_kept_as_received(http_server):
    payload = b"<html><p>readout of the call</p></html>" * 40
    sent = gzip.compress(payload, mtime=0)
    http_server.route("/one", body=sent, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    r = fetch_one(http_server.url("/one"), policy())
    assert r.ok and r.body == payload
    assert r.gzipped == sent and gzip.decompress(r.gzipped) == payload


@pytest.mark.parametrize(
    ("name", "body", "encoding"),
    [
        ("multi", gzip.compress(b"<p>a</p>") + gzip.compress(b"<p>b</p>"), "gzip"),
        ("padded", gzip.compress(b"<p>a</p>") + b"\0\0\0", "gzip"),
        ("garbage", gzip.compress(b"<p>a</p>") + b"<!-- proxy junk -->", "gzip"),
        ("double", gzip.compress(gzip.compress(b"<p>a</p>")), "gzip, gzip"),
        ("deflate", zlib.compress(b"<p>a</p>"), "deflate"),
        ("plain", b"<p>a</p>", ""),
    ],
)
def test_anything_but_one_whole_gzip_member_is_not_kept(http_server, name, body, encoding):
    headers = {"Content-Encoding": encoding} if encoding else {}
    http_server.route(f"/{name}", body=body, headers=headers)
    r = fetch_one(http_server.url(f"/{name}"), policy())
    assert r.ok and r.body.startswith(b"<p>a</p>")
    assert r.gzipped is None


def test_archive_keeps_the_gzip_body_as_received_and_reads_it_back(tmp_path, http_server):
    from readout_pipeline import archive, pipeline
    from readout_pipeline.fetch import FetchRequest

    payload = b"<html><p>joint statement</p></html>" * 30
    sent = gzip.compress(payload, compresslevel=9, mtime=1_700_000_000)  # not how the archive compresses
    http_server.route("/js", body=sent, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    planned = [pipeline.PlannedFetch(FetchRequest(http_server.url("/js")), "u", "s", None)]
    batch = pipeline.fetch_and_archive(planned, policy(), tmp_path)
    sha = archive.body_sha256(payload)
    assert [p.raw_sha256 for p in batch.pages] == [sha]
    assert archive.archive_path(tmp_path, sha).read_bytes() == sent
    assert archive.load(tmp_path, sha) == payload
