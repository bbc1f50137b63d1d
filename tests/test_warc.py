"""Reading `backfill --from-warc` input (pipeline.iter_warc_pages): HTTP responses become archived
pages; a record the file cuts short is skipped and reported; a file that is not a WARC, or turns
into something else part way, is a one-line ConfigError after the pages before it."""

from __future__ import annotations

import io
import os

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from readout_pipeline import archive
from readout_pipeline.errors import ConfigError
from readout_pipeline.pipeline import iter_warc_pages


def warc_bytes(n: int, *, gzip: bool, date: str | None = "2022-03-04T10:00:00Z") -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    for i in range(n):
        body = f"<html><body><p>Readout {i}: the ministers met in Geneva.</p></body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": date} if date else None
        record = writer.create_warc_record(f"https://ministry.example/readout-{i}", "response",
                                           payload=io.BytesIO(body), http_headers=headers,
                                           warc_headers_dict=warc_headers)
        if not date:
            record.rec_headers.remove_header("WARC-Date")
        writer.write_record(record)
    return buf.getvalue()


def read_all(path, archive_dir, problems=None):
    return list(iter_warc_pages(path, "saved", archive_dir, problems))


@pytest.mark.parametrize("gzip", [True, False])
def test_responses_become_archived_pages_dated_by_the_crawl(tmp_path, gzip):
    path = tmp_path / "crawl.warc"
    path.write_bytes(warc_bytes(3, gzip=gzip))
    pages = read_all(path, tmp_path / "archive")
    assert [p.url for p in pages] == [f"https://ministry.example/readout-{i}" for i in range(3)]
    assert all(p.in_archive and archive.contains(tmp_path / "archive", p.raw_sha256) for p in pages)
    assert {p.charset for p in pages} == {"utf-8"}
    assert {p.lastmod.isoformat() for p in pages} == {"2022-03-04T10:00:00+00:00"}


def test_a_record_without_a_date_gets_no_modification_date(tmp_path):
    path = tmp_path / "crawl.warc"
    path.write_bytes(warc_bytes(1, gzip=False, date=None))
    (page,) = read_all(path, tmp_path / "archive")
    assert page.lastmod is None  # not "now", which would pass for a publication date
    assert page.fetched_at is not None


def test_a_record_cut_short_is_skipped_and_reported(tmp_path):
    data = warc_bytes(3, gzip=False)
    path = tmp_path / "crawl.warc"
    path.write_bytes(data[:-40])  # an interrupted crawl: the file ends inside the last record
    problems: list[str] = []
    pages = read_all(path, tmp_path / "archive", problems)
    assert [p.url for p in pages] == [f"https://ministry.example/readout-{i}" for i in range(2)]
    assert len(problems) == 1
    assert problems[0].startswith("crawl.warc record 3 (https://ministry.example/readout-2) is cut short")


@pytest.mark.parametrize(
    "content", [os.urandom(3000), b"<html><body>a saved page, not a WARC</body></html>\n", b"\x1f\x8b" + os.urandom(500)]
)
def test_a_file_that_is_not_a_warc_is_one_clean_line(tmp_path, content):
    path = tmp_path / "not.warc"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as failed:
        read_all(path, tmp_path / "archive")
    assert str(failed.value).startswith(f"WARC file {path}: not a WARC file (")
    assert str(failed.value).isprintable()  # warcio's own message quotes the bytes it read


@pytest.mark.parametrize("gzip", [True, False])
def test_garbage_part_way_comes_after_the_pages_before_it(tmp_path, gzip):
    one, three = warc_bytes(1, gzip=gzip), warc_bytes(3, gzip=gzip)
    path = tmp_path / "crawl.warc"
    path.write_bytes(one + os.urandom(700) + three[len(one):])
    seen = []
    with pytest.raises(ConfigError, match=r"crawl\.warc: unreadable after record 1 \(") as failed:
        for page in iter_warc_pages(path, "saved", tmp_path / "archive"):
            seen.append(page.url)
    assert seen == ["https://ministry.example/readout-0"]
    assert str(failed.value).isprintable()


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="cannot read WARC file .*missing.warc"):
        read_all(tmp_path / "missing.warc", tmp_path / "archive")
