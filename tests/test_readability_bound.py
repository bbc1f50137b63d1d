"""The readability shortcut changes no cleaning result, skips readability where it cannot win, and
leaves plain trafilatura alone. The WCXB case reads ../shared (or $READOUT_SHARED), skipped without."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
import trafilatura
from trafilatura import core, external

from readout_pipeline import readability_bound
from readout_pipeline.clean import clean_html, decode_body

SHARED = Path(os.environ.get("READOUT_SHARED") or Path(__file__).resolve().parents[2] / "shared")
WCXB = SHARED / "corpora" / "wcxb-dev" / "html"

ARTICLE = "".join(
    f"<p>Paragraph {i}: the ministers discussed the reconstruction of the port, the grain corridor, "
    f"sanctions enforcement and the humanitarian situation, and agreed to meet again in {2020 + i}.</p>"
    for i in range(12)
)
# Own extraction = nearly all the visible text: readability cannot be twice as long.
FULL_ARTICLE = f"<html><body><article><h1>Readout</h1>{ARTICLE}</article></body></html>"
# A short article in a page full of other text: readability may find more, so it must run.
OTHER = "".join(f"<div class='x{i}'>{'Unrelated listing text about many other things. ' * 30}</div>" for i in range(20))
SHORT_IN_LONG = (
    "<html><body><article><h1>Readout</h1><p>The minister spoke with her counterpart today about "
    f"the port and the grain corridor, and they agreed to meet again.</p></article>{OTHER}</body></html>"
)


@pytest.fixture
def readability_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = external.try_readability

    def counting(tree):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(tree)

    monkeypatch.setattr(external, "try_readability", counting)
    return calls


def _both_ways(html: str, monkeypatch: pytest.MonkeyPatch, calls: list[int]) -> tuple[object, int, object, int]:
    calls.clear()
    bounded = clean_html(html, "https://example.test/readout")
    n_bounded = len(calls)
    monkeypatch.setattr(readability_bound, "ACTIVE", False)
    calls.clear()
    original = clean_html(html, "https://example.test/readout")
    n_original = len(calls)
    monkeypatch.setattr(readability_bound, "ACTIVE", True)
    return bounded, n_bounded, original, n_original


def test_active_with_the_pinned_trafilatura():
    assert readability_bound.ACTIVE


def test_readability_skipped_when_the_own_text_is_most_of_the_page(monkeypatch, readability_calls):
    bounded, n_bounded, original, n_original = _both_ways(FULL_ARTICLE, monkeypatch, readability_calls)
    assert bounded == original and bounded is not None
    assert n_original >= 1 and n_bounded == 0


def test_readability_still_runs_when_it_could_find_more(monkeypatch, readability_calls):
    bounded, n_bounded, original, n_original = _both_ways(SHORT_IN_LONG, monkeypatch, readability_calls)
    assert bounded == original
    assert n_bounded == n_original >= 1


def test_trafilatura_is_left_as_it_was(readability_calls):
    before = core.compare_extraction
    clean_html(FULL_ARTICLE)
    assert core.compare_extraction is before is external.compare_extraction
    readability_calls.clear()
    trafilatura.extract(FULL_ARTICLE)  # a plain call outside the shortcut still runs readability
    assert len(readability_calls) >= 1


def test_demo_pages_clean_identically(monkeypatch, readability_calls):
    from readout_pipeline.demo_site import DemoSite

    skipped = checked = 0
    with DemoSite(revision=2) as site:
        for key, pub in site.publishers.items():
            for art in pub.articles:
                html = decode_body(site.resource(key, art.path).body, "utf-8")
                bounded, n_bounded, original, n_original = _both_ways(html, monkeypatch, readability_calls)
                assert bounded == original, art.path
                skipped += n_original - n_bounded
                checked += 1
    assert checked >= 25 and skipped >= checked // 2


@pytest.mark.skipif(not WCXB.is_dir(), reason=f"WCXB pages not found under {SHARED}")
def test_real_pages_clean_identically(monkeypatch, readability_calls):
    files = sorted(WCXB.glob("*.html.gz"))[:80]
    skipped = 0
    for path in files:
        html = decode_body(gzip.decompress(path.read_bytes()), None)
        bounded, n_bounded, original, n_original = _both_ways(html, monkeypatch, readability_calls)
        assert bounded == original, path.name
        skipped += n_original - n_bounded
    assert skipped >= len(files) // 4
