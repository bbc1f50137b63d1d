"""From an archived raw body to a parsed page: the CPU-bound step, run in worker processes.

`RawPage` is what fetching (or reading a saved file) produced and archived; `parse_page` is the
pure function that decodes, cleans, filters and hashes it; `parse_pages` fans a batch out over a
process pool. The result, `ParsedPage`, is what `warehouse.load_pages` writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from . import clean, fingerprint

# Outcomes of parsing one page (url_state.last_outcome before dedup classification).
DOC = "doc"
NOT_TEXT = "not_text"  # not HTML/XHTML/plain text: recorded with its MIME type
NO_TEXT = "no_text"  # cleaning found no main text
FILTERED = "filtered"  # dropped by the source's keyword relevance filter
EXTRACTION_FAILED = "extraction_failed"

# Below this many pages a process pool costs more than it saves.
_POOL_THRESHOLD = 16


@dataclass(frozen=True)
class RawPage:
    """A body that was fetched (or read from disk) and already stored in the raw archive."""

    url: str  # canonical URL (dedup key)
    fetch_url: str  # as published / fetched
    source_id: str
    raw_sha256: str
    content_type: str | None
    charset: str | None
    fetched_at: datetime
    body: bytes = field(repr=False)
    status: int | None = 200
    etag: str | None = None
    last_modified: str | None = None
    lastmod: datetime | None = None
    is_text_file: bool = False  # a .txt/.md file from backfill --from-dir
    size: int = -1  # body size in bytes (kept when the body is dropped after parsing)

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, "size", len(self.body))


@dataclass(frozen=True)
class ParsedPage:
    raw: RawPage
    outcome: str
    doc: clean.CleanDoc | None = None
    content_hash: str | None = None
    doc_id: str | None = None
    error: str | None = None

    @property
    def published_date(self) -> date | None:
        if self.doc and self.doc.published_date:
            return self.doc.published_date
        return self.raw.lastmod.date() if self.raw.lastmod else None


def parse_page(page: RawPage, keywords: Sequence[str] = ()) -> ParsedPage:
    """Decode, clean, filter and hash one page. Pure: no I/O."""
    light = replace(page, body=b"")  # the result does not carry the body back
    if not page.is_text_file and not clean.is_cleanable(page.content_type, page.body):
        return ParsedPage(light, NOT_TEXT)
    text = clean.decode_body(page.body, page.charset)
    try:
        if page.is_text_file or (page.content_type or "").startswith("text/plain"):
            doc: clean.CleanDoc | None = clean.clean_text(text)
        else:
            doc = clean.clean_html(text, page.fetch_url)
    except (ValueError, RecursionError, MemoryError) as exc:
        return ParsedPage(light, EXTRACTION_FAILED, error=f"{type(exc).__name__}: {exc}"[:500])
    if doc is None or not doc.text.strip():
        return ParsedPage(light, NO_TEXT)
    if keywords:
        haystack = f"{doc.title or ''}\n{doc.text}".casefold()
        if not any(k.casefold() in haystack for k in keywords):
            return ParsedPage(light, FILTERED, doc=doc)
    digest = fingerprint.content_hash(doc.text)
    return ParsedPage(light, DOC, doc=doc, content_hash=digest, doc_id=fingerprint.doc_id_for(digest))


def _parse_star(args: tuple[RawPage, tuple[str, ...]]) -> ParsedPage:
    return parse_page(*args)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def parse_pages(
    pages: Iterable[tuple[RawPage, Sequence[str]]],
    *,
    workers: int = 0,
    pool: ProcessPoolExecutor | None = None,
) -> list[ParsedPage]:
    """Parse a batch, in order, over `pool` (or a pool of `workers` processes made here)."""
    items = [(p, tuple(k)) for p, k in pages]
    if pool is not None:
        return list(pool.map(_parse_star, items, chunksize=4))
    workers = workers or default_workers()
    if workers == 1 or len(items) < _POOL_THRESHOLD:
        return [_parse_star(i) for i in items]
    with ProcessPoolExecutor(max_workers=workers) as own:
        return list(own.map(_parse_star, items, chunksize=4))
