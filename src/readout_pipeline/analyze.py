"""What the pipeline derives from one cleaned document, computed where it is cleaned (pure).

The cleaning workers call `analyze` right after a page is cleaned, so the CPU-bound derivations —
document type, near-duplicate fingerprint, structured extraction — run on every core, beside the
cleaning, instead of one after another in the single-writer flow process. The result travels back
with the parsed page; `derive.update_derived` stores it for a document that still needs it, when the
stored document has the inputs it was computed from (the same text — the doc_id is its hash —, title
and publication date) and the code versions are the current ones. Anything else (a reparse, a
version bump, a page cleaned elsewhere) is computed again from the stored text, so a result here
is only ever a shortcut, never a different answer.

No database and no Prefect here: this module is imported by the cleaning workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import doctype, neardup
from .extract import EXTRACTOR_VERSION, Extraction, extract

__all__ = ["Analysis", "analyze"]


@dataclass(frozen=True)
class Analysis:
    doc_id: str
    title: str | None
    published_date: date | None
    doc_type: str
    fingerprint: neardup.Fingerprint
    extraction: Extraction
    fingerprint_version: str = neardup.FINGERPRINT_VERSION
    extractor_version: str = EXTRACTOR_VERSION

    def fits(self, title: str | None, published_date: date | None) -> bool:
        """True when this analysis holds for a stored document with this title and date (its text
        is implied by the doc_id) and was made by the code versions now running."""
        return (
            self.title == title
            and self.published_date == published_date
            and self.fingerprint_version == neardup.FINGERPRINT_VERSION
            and self.extractor_version == EXTRACTOR_VERSION
        )


def analyze(doc_id: str, title: str | None, text: str, published_date: date | None) -> Analysis:
    """Document type, near-duplicate fingerprint and structured extraction of one document."""
    return Analysis(
        doc_id=doc_id,
        title=title,
        published_date=published_date,
        doc_type=doctype.classify(title, text),
        fingerprint=neardup.fingerprint(text),
        extraction=extract(doc_id, text, title, published_date),
    )
