"""Issue 3, case 1: network faults from a hostile or broken server. Every case ends in a
clean outcome (never an exception, never a hang), with the documented number of attempts."""

from __future__ import annotations

import time

import httpserver
import pytest
from httpserver import chunked, raw_bytes, reset_after, silent, trickle, truncated

from readout_pipeline.fetch import FetchPolicy, FetchResult, fetch_one

http_server = httpserver.http_server

LOCAL = httpserver.LOCAL


def policy(**kw) -> FetchPolicy:
    return httpserver.fast_policy(**{**dict(obey_robots=False), **kw})


def one(url: str, **kw) -> FetchResult:
    return fetch_one(url, policy(**kw))


def assert_clean_failure(r: FetchResult, outcome: str, attempts: int) -> None:
    assert r.outcome == outcome, (r.outcome, r.error)
    assert r.body is None and r.error
    assert len(r.attempts) == attempts, [(a.outcome, a.error) for a in r.attempts]
    assert all(a.outcome == outcome and a.error for a in r.attempts)


# --- silence, trickle ---------------------------------------------------------------------------


def test_silent_server_times_out_and_is_retried_with_backoff(http_server):
    http_server.route("/silent", raw=lambda h: silent(h, 3.0))
    t0 = time.monotonic()
    r = one(http_server.url("/silent"), read_timeout=0.3, max_attempts=2, backoff_base=0.2,
            backoff_cap=0.2)
    assert_clean_failure(r, "network_error", 2)
    assert "ReadTimeout" in r.error
    assert http_server.count("/silent") == 2
    assert time.monotonic() - t0 < 2.5  # two read timeouts plus at most one backoff


def test_headers_then_one_byte_every_interval_stopped_by_total_deadline(http_server):
    # no single read waits longer than 0.15 s (read_timeout 1 s never fires), but the body
    # would take 30 s: the total deadline ends the attempt.
    http_server.route("/drip", raw=trickle(total=200, every=0.15))
    t0 = time.monotonic()
    r = one(http_server.url("/drip"), total_deadline=0.8, read_timeout=1.0, max_attempts=2)
    assert_clean_failure(r, "deadline_exceeded", 2)
    assert "deadline" in r.error
    assert time.monotonic() - t0 < 4.0
    assert http_server.count("/drip") == 2


# --- truncation, broken framing, resets ---------------------------------------------------------


def test_truncated_body_is_data_loss_and_retried(http_server):
    http_server.route("/trunc", raw=truncated(b"<p>" + b"x" * 97, claimed=5000))
    r = one(http_server.url("/trunc"), max_attempts=3)
    assert_clean_failure(r, "network_error", 3)
    assert http_server.count("/trunc") == 3


@pytest.mark.parametrize(
    "chunks",
    [
        # chunk size is not hex
        b"5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n",
        # chunk shorter than announced, then close
        b"10\r\nshort",
        # missing CRLF after a chunk
        b"5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n",
    ],
    ids=["bad-size", "short-chunk", "no-crlf"],
)
def test_broken_chunked_encoding_is_clean_error_and_retried(http_server, chunks):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    http_server.route("/bc", raw=raw_bytes(head + chunks))
    r = one(http_server.url("/bc"), max_attempts=2)
    assert_clean_failure(r, "network_error", 2)
    assert http_server.count("/bc") == 2


def test_chunked_without_last_chunk_is_data_loss(http_server):
    http_server.route("/tc", raw=chunked([b"abc"] * 3, finish=False))
    r = one(http_server.url("/tc"), max_attempts=2)
    assert_clean_failure(r, "network_error", 2)


def test_reset_in_the_middle_of_a_body(http_server):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
    http_server.route("/rst", raw=reset_after(head + b"<html>" + b"a" * 5000))
    r = one(http_server.url("/rst"), max_attempts=2)
    assert_clean_failure(r, "network_error", 2)
    assert http_server.count("/rst") == 2


def test_reset_in_a_chunked_body(http_server):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    http_server.route("/rstc", raw=reset_after(head + b"400\r\n" + b"b" * 300))
    r = one(http_server.url("/rstc"), max_attempts=1)
    assert_clean_failure(r, "network_error", 1)


# --- malformed headers ---------------------------------------------------------------------------

_MALFORMED = {
    "no-colon": b"HTTP/1.1 200 OK\r\nContent-Type text/html\r\nContent-Length: 2\r\n\r\nhi",
    "cl-not-a-number": b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhi",
    "cl-negative": b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhi",
    "cl-conflicting": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\nhi",
    "cl-huge": b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nhi",
    "bad-status-line": b"HTTP/1.1 OK 200\r\nContent-Length: 2\r\n\r\nhi",
    "garbage": b"\x00\x01\x02 this is not http at all\r\n\r\n",
    "header-folding-junk": b"HTTP/1.1 200 OK\r\n: empty-name\r\nContent-Length: 2\r\n\r\nhi",
}


@pytest.mark.parametrize("name", sorted(_MALFORMED))
def test_malformed_headers_are_a_clean_error_never_a_hang(http_server, name):
    # the server keeps the connection open afterwards: only parsing can end the attempt early
    http_server.route("/m", raw=raw_bytes(_MALFORMED[name], hold=3.0))
    t0 = time.monotonic()
    r = one(http_server.url("/m"), max_attempts=1, read_timeout=5.0, total_deadline=10.0)
    assert r.body is None and r.error
    assert r.outcome == "network_error", (r.outcome, r.error)
    assert len(r.attempts) == 1
    assert time.monotonic() - t0 < 2.5  # far below the 5 s read timeout: no hang


def test_content_length_plus_chunked_is_a_clean_error(http_server):
    # RFC 9112 6.3: a message with both is a request-smuggling vector; h11 refuses it.
    data = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    )
    http_server.route("/clte", raw=raw_bytes(data, hold=3.0))
    t0 = time.monotonic()
    r = one(http_server.url("/clte"), max_attempts=1, read_timeout=5.0, total_deadline=10.0)
    assert r.body is None and r.outcome == "network_error"
    assert "Content-Length and Transfer-Encoding" in r.error
    assert time.monotonic() - t0 < 2.5


# --- size caps -----------------------------------------------------------------------------------


def test_over_cap_by_content_length_never_reads_the_body(http_server):
    http_server.route("/big", body=b"x" * 50_000)
    r = one(http_server.url("/big"), max_bytes=10_000, max_attempts=3)
    assert_clean_failure(r, "too_large", 1)  # not retried
    assert "Content-Length 50000" in r.error
    assert r.attempts[0].bytes == 0


def test_over_cap_by_stream_is_cancelled_at_the_cap(http_server):
    # 1,000 chunks of 10 KB with a pause each: reading all would take > 10 s
    http_server.route("/flood", raw=chunked([b"y" * 10_000] * 1000, pause=0.01))
    t0 = time.monotonic()
    r = one(http_server.url("/flood"), max_bytes=50_000, max_attempts=3)
    assert_clean_failure(r, "too_large", 1)
    assert time.monotonic() - t0 < 3.0
    assert http_server.count("/flood") == 1


def test_lying_content_length_under_cap_but_longer_stream(http_server):
    # Content-Length says 10, the server sends 100 KB and closes: extra bytes are not a body
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n" + b"z" * 100_000
    http_server.route("/lie", raw=raw_bytes(data))
    r = one(http_server.url("/lie"), max_bytes=1000)
    assert r.ok and r.body == b"z" * 10


# --- status codes and Retry-After ------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 400, 403, 451])
def test_client_errors_never_retried(http_server, status):
    http_server.route("/gone", status=status, body=b"no")
    r = one(http_server.url("/gone"), max_attempts=4)
    assert_clean_failure(r, "http_error", 1)
    assert r.status == status and str(status) in r.error
    assert http_server.count("/gone") == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_honoured_exactly_max_attempts(http_server, status):
    http_server.route("/ra", status=status, headers={"Retry-After": "1"})
    r = one(http_server.url("/ra"), max_attempts=3, retry_after_cap=0.3)
    assert_clean_failure(r, "http_error", 3)
    assert r.status == status and http_server.count("/ra") == 3
    times = [q.time for q in http_server.requests("/ra")]
    # Retry-After 1 s capped at 0.3 s: each gap is at least the cap (generous lower bound)
    assert all(b - a >= 0.25 for a, b in zip(times, times[1:], strict=False)), times


def test_retry_after_garbage_falls_back_to_backoff(http_server):
    http_server.route("/ra", status=503, headers={"Retry-After": "-1, soon, 1e99"})
    r = one(http_server.url("/ra"), max_attempts=2)
    assert_clean_failure(r, "http_error", 2)
