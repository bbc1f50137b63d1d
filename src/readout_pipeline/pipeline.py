"""The steps the flows call, each a few lines over the library: discover, plan, fetch+archive,
read saved pages, reparse. No Prefect here; the flows add retries and the DAG."""

from __future__ import annotations

import gzip
import io
import json
import mimetypes
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx

from . import archive, discover, warehouse
from .config import Config, Source
from .errors import ConfigError
from .fetch import FetchPolicy, FetchRequest, FetchResult, fetch_all, fetch_one
from .pages import RawPage, declared_url  # noqa: F401 (re-exported)


def fetch_policy(config: Config, source: Source | None = None) -> FetchPolicy:
    """The fetch policy for one source: global settings plus the source's politeness overrides."""
    s = config.settings
    concurrency = s.per_host_concurrency
    delay = s.min_delay_seconds
    if source is not None:
        concurrency = source.politeness.concurrency or concurrency
        if source.politeness.min_delay_seconds is not None:
            delay = source.politeness.min_delay_seconds
    return FetchPolicy(
        user_agent=s.full_user_agent,
        connect_timeout=s.connect_timeout,
        read_timeout=s.read_timeout,
        total_deadline=s.total_deadline,
        max_bytes=s.max_bytes,
        max_attempts=s.max_attempts,
        backoff_base=s.backoff_base,
        backoff_cap=s.backoff_cap,
        retry_after_cap=s.retry_after_cap,
        per_host_concurrency=concurrency,
        global_concurrency=s.global_concurrency,
        min_delay=delay,
        obey_robots=s.obey_robots,
        allowed_hosts=config.allowed_hosts,
    )


# ---------------------------------------------------------------- discover


@dataclass
class Discovered:
    source_id: str
    links: list[discover.Link]
    problems: list[str]


def discover_source(
    source: Source,
    policy: FetchPolicy,
    *,
    max_listing_pages: int = 5,
    since: datetime | None = None,
    until: datetime | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Discovered:
    """Links announced by a source's feeds, sitemaps, robots Sitemap lines and listing pages."""

    def get(url: str) -> discover.Fetched:
        result = fetch_one(url, policy, transport=transport)
        error = None if result.ok else (result.error or f"{result.outcome} (HTTP {result.status})")
        return discover.Fetched(url=url, ok=result.ok, body=result.body, error=error)

    listings = [
        discover.Listing(
            url=li.url,
            link_pattern=li.link_pattern,
            next_pattern=li.next_pattern,
            max_pages=min(li.max_pages, max_listing_pages) if since is None else li.max_pages,
        )
        for li in source.listings
    ]
    links, problems = discover.discover(
        feeds=source.feeds,
        sitemaps=source.sitemaps,
        listings=listings,
        pages=source.pages,
        robots_sitemaps_for=[source.home] if source.robots_sitemaps else [],
        get=get,
    )
    links = discover.filter_links(links, source.include, source.exclude, since=since, until=until)
    return Discovered(source.id, links, problems)


# ---------------------------------------------------------------- plan


@dataclass(frozen=True)
class PlannedFetch:
    request: FetchRequest
    url: str  # canonical
    source_id: str
    lastmod: datetime | None


def plan_fetches(
    con: duckdb.DuckDBPyConnection,
    found: Discovered,
    *,
    recheck_after_hours: float,
    now: datetime | None = None,
    force: bool = False,
) -> list[PlannedFetch]:
    """Only new URLs, URLs announced as modified, and URLs due for a recheck; with validators."""
    now = now or datetime.now(UTC)
    states = warehouse.url_states(con, found.source_id)
    planned: dict[str, PlannedFetch] = {}
    for link in found.links:
        url = discover.canonical_url(link.url)
        if url in planned:
            continue
        state = states.get(url)
        if not force and not warehouse.is_due(state, link.lastmod, now, recheck_after_hours):
            continue
        request = FetchRequest(
            url=link.url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
        )
        planned[url] = PlannedFetch(request, url, found.source_id, link.lastmod)
    return list(planned.values())


# ---------------------------------------------------------------- fetch + archive


@dataclass
class FetchedBatch:
    pages: list[RawPage] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    touches: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def fetch_and_archive(
    planned: Sequence[PlannedFetch],
    policy: FetchPolicy,
    archive_dir: Path,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_result: Any = None,
) -> FetchedBatch:
    """Fetch a batch concurrently; store every body in the raw archive as it arrives, before
    anything parses it. The pages carry no body: the cleaning workers read it from the archive,
    so a batch's bodies are never all in memory at once."""

    def archived(result: FetchResult) -> tuple[FetchResult, str | None, int]:
        if result.outcome != "ok" or result.body is None:
            return result, None, 0
        sha = archive.store(archive_dir, result.body, gzipped=result.gzipped)
        return replace(result, body=None, gzipped=None), sha, len(result.body)

    results = fetch_all([p.request for p in planned], policy, transport=transport, on_result=on_result,
                        consume=archived)
    batch = FetchedBatch()
    for plan, (result, sha, size) in zip(planned, results, strict=True):
        _collect(batch, plan, result, sha, size)
    return batch


def _collect(batch: FetchedBatch, plan: PlannedFetch, result: FetchResult, sha: str | None, size: int) -> None:
    for number, attempt in enumerate(result.attempts, start=1):
        batch.attempts.append(
            {
                "url": attempt.url,
                "source_id": plan.source_id,
                "attempt": number,
                "started_at": attempt.started_at,
                "elapsed_ms": attempt.elapsed_ms,
                "http_status": attempt.status,
                "bytes": attempt.bytes,
                "outcome": attempt.outcome,
                "error": attempt.error,
            }
        )
    fetched_at = result.attempts[-1].started_at if result.attempts else datetime.now(UTC)
    if result.outcome == "ok" and sha is not None:
        batch.counts["n_fetched"] += 1
        batch.pages.append(
            RawPage(
                url=plan.url,
                fetch_url=plan.request.url,
                source_id=plan.source_id,
                raw_sha256=sha,
                content_type=result.content_type,
                charset=result.charset,
                fetched_at=fetched_at,
                body=b"",
                size=size,
                in_archive=True,
                status=result.status,
                etag=result.etag,
                last_modified=result.last_modified,
                lastmod=plan.lastmod,
            )
        )
        return
    failed = result.outcome not in ("not_modified", "robots_disallowed")
    counter = {"not_modified": "n_not_modified", "robots_disallowed": "n_skipped"}
    batch.counts[counter.get(result.outcome, "n_failed")] += 1
    batch.touches.append(
        {
            "url": plan.url,
            "fetch_url": plan.request.url,
            "source_id": plan.source_id,
            "lastmod": plan.lastmod,
            "fetched_at": fetched_at,
            "status": result.status,
            "outcome": result.outcome,
            "failed": failed,
        }
    )


# ---------------------------------------------------------------- saved pages (backfill)

SAVED_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".txt", ".md")
MAX_SAVED_BYTES = 50_000_000


def saved_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ConfigError(f"not a directory: {directory}")
    return sorted(
        p for p in directory.rglob("*") if p.is_file() and p.name.lower().endswith(SAVED_SUFFIXES)
    )


def shown(path: Path) -> str:
    """A path as messages show it: a name that is not UTF-8 keeps its bytes as \\x escapes (a
    surrogate-escaped str cannot be printed to a UTF-8 terminal nor stored by DuckDB)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass
class SavedBatch:
    pages: list[RawPage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files skipped, one line each


def read_saved_files(files: Sequence[Path], source_id: str, archive_dir: Path) -> SavedBatch:
    """Saved files as archived RawPages. A file that cannot be read (gone since it was listed,
    unreadable, corrupt gzip, too large) is skipped and reported; the others are read."""
    batch = SavedBatch()
    for path in files:
        try:
            batch.pages.append(read_saved_page(path, source_id, archive_dir))
        except ConfigError as exc:
            batch.problems.append(str(exc))
    return batch


def read_saved_page(path: Path, source_id: str, archive_dir: Path) -> RawPage:
    """A saved page as a RawPage; its URL is its canonical/og:url if it declares one, else file://.
    A file that cannot be read as one is a one-line ConfigError."""
    name = path.name.lower()
    gzipped = None
    try:
        stat = path.stat()
        if stat.st_size > MAX_SAVED_BYTES:
            raise ConfigError(f"{shown(path)}: over {MAX_SAVED_BYTES} bytes: skipped")
        data = path.read_bytes()
        if name.endswith(".gz"):
            gzipped = data
            with gzip.GzipFile(fileobj=io.BytesIO(gzipped)) as gz:
                data = gz.read(MAX_SAVED_BYTES + 1)
            if len(data) > MAX_SAVED_BYTES:
                raise ConfigError(f"{shown(path)}: decompressed size over {MAX_SAVED_BYTES} bytes: skipped")
            name = name[:-3]
    except archive.GZIP_ERRORS:
        raise ConfigError(f"{shown(path)}: not readable gzip data: skipped") from None
    except OSError as exc:
        raise ConfigError(f"{shown(path)}: cannot read it ({exc.strerror or type(exc).__name__}): skipped") from None
    is_text = name.endswith((".txt", ".md"))
    content_type = "text/plain" if is_text else (mimetypes.guess_type(name)[0] or "text/html")
    fetch_url = path.resolve().as_uri()
    sha = archive.store(archive_dir, data, gzipped=gzipped)  # a .gz file is archived as it is
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    # The URL an HTML page declares (canonical / og:url) is read by the worker that cleans it
    # (pages.parse_page), from the tree it parses anyway: the flow process never parses HTML.
    return RawPage(
        url=fetch_url,
        fetch_url=fetch_url,
        source_id=source_id,
        raw_sha256=sha,
        content_type=content_type,
        charset=None,
        fetched_at=datetime.now(UTC),
        body=b"",
        size=len(data),
        in_archive=True,
        status=None,
        lastmod=modified,
        is_text_file=is_text,
        url_from_page=not is_text,
    )


def iter_warc_pages(
    path: Path, source_id: str, archive_dir: Path, problems: list[str] | None = None
) -> Iterator[RawPage]:
    """HTTP responses from a WARC file (warcio), as RawPages. A record cut short (an interrupted
    crawl's last one) is skipped and reported in `problems`; a file that is not a WARC, or breaks
    off into something that is not one, is a one-line ConfigError, raised after the pages before it
    were yielded."""
    from warcio.archiveiterator import WARCIterator
    from warcio.exceptions import ArchiveLoadFailed

    class QuietWARCIterator(WARCIterator):  # a WARC only: warcio would take stray text for ARC records
        INC_RECORD = ""  # warcio writes this warning to stderr itself; it is counted in err_count

    try:
        stream = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"cannot read WARC file {shown(path)}: {exc.strerror}") from None
    records = 0
    name = shown(Path(path.name))
    with stream:
        records_iter = QuietWARCIterator(stream)
        try:
            for record in records_iter:
                records += 1
                page = _warc_page(record, source_id, archive_dir, problems, f"{name} record {records}")
                if page is not None:
                    yield page
        except (ArchiveLoadFailed, *archive.GZIP_ERRORS) as exc:
            # warcio's message quotes the bytes it could not read: not for a terminal
            what = "not a WARC file" if records == 0 else f"unreadable after record {records}"
            found = "no WARC record header" if isinstance(exc, ArchiveLoadFailed) else "corrupt gzip data"
            raise ConfigError(f"WARC file {shown(path)}: {what} ({found} there)") from None
        except OSError as exc:
            raise ConfigError(f"cannot read WARC file {shown(path)}: {exc.strerror or type(exc).__name__}") from None
        if records_iter.err_count and problems is not None:
            problems.append(f"{name}: {records_iter.err_count} record(s) not followed by a blank line "
                            "(a wrong Content-Length?)")


def _warc_page(record: Any, source_id: str, archive_dir: Path, problems: list[str] | None, where: str) -> RawPage | None:
    """A WARC record's HTTP response as a RawPage (archived); None for other records."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    status = record.http_headers.get_statuscode() or ""
    if not (status.isdigit() and status.startswith("2")):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    if not url or not url.startswith(("http://", "https://")):
        return None
    body = record.content_stream().read(MAX_SAVED_BYTES + 1)
    if len(body) > MAX_SAVED_BYTES:
        return None
    record.raw_stream.read()  # what the payload reader left of the record, if anything
    if getattr(record.raw_stream, "limit", 0) > 0:  # the file ended inside the record
        if problems is not None:
            problems.append(f"{where} ({url}) is cut short ({record.length} bytes declared): skipped")
        return None
    ctype = record.http_headers.get_header("Content-Type") or ""
    media, _, params = ctype.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    fetched = _warc_date(record.rec_headers.get_header("WARC-Date"))
    sha = archive.store(archive_dir, body)
    return RawPage(
        url=discover.canonical_url(url),
        fetch_url=url,
        source_id=source_id,
        raw_sha256=sha,
        content_type=media.strip().lower() or None,
        charset=charset,
        fetched_at=fetched or datetime.now(UTC),
        body=b"",
        size=len(body),
        in_archive=True,
        status=int(status),
        lastmod=fetched,
    )


def _warc_date(value: str | None) -> datetime | None:
    """WARC-Date (ISO 8601, UTC); None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---------------------------------------------------------------- reparse


def iter_archived_pages(con: duckdb.DuckDBPyConnection, archive_dir: Path) -> Iterator[tuple[RawPage, list[str]]]:
    """The last raw body of every URL (no network), with its source's keywords. The bodies stay in
    the archive: the cleaning workers read them (pages.parse_pages), and one missing or damaged
    there comes back as `pages.RAW_UNREADABLE`."""
    rows = con.execute(warehouse.sql("load/reparse_inputs.sql")).fetchall()
    for (url, fetch_url, source_id, sha, ctype, charset, fetched_at, etag, last_modified,
         lastmod, status, size, keywords_json) in rows:
        keywords = json.loads(keywords_json) if keywords_json else []
        yield (
            RawPage(
                url=url,
                fetch_url=fetch_url,
                source_id=source_id,
                raw_sha256=sha,
                content_type=ctype,
                charset=charset,
                fetched_at=fetched_at,
                body=b"",
                size=size,
                in_archive=True,
                status=status,
                etag=etag,
                last_modified=last_modified,
                lastmod=lastmod,
                is_text_file=fetch_url.startswith("file:") and fetch_url.lower().endswith((".txt", ".md")),
            ),
            keywords,
        )
