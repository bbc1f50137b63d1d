"""Structured extraction: speed (CPU ms per document) and quality against the gold annotations.

    .venv/bin/python bench/extract_speed.py [--repeat N]

Texts: the five seeds and the state.gov RSS items referenced by tests/gold/*.json (rebuilt exactly as
the pipeline stores them), plus every distinct item of the state.gov corpus for the speed figure.
Reads ../shared (or $READOUT_SHARED); exits with a message when it is absent.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from email.utils import parsedate_to_datetime

from readout_pipeline.clean import clean_html
from readout_pipeline.extract import EXTRACTOR_VERSION, extract
from readout_pipeline.extract.evaluate import _rss_items, load_gold_docs, score, shared_dir


def corpus_texts(shared) -> list[tuple[str, str, str, object]]:
    seen: dict[str, tuple] = {}
    for path in sorted(glob.glob(str(shared / "corpora/state-gov-press-rss-2022/snapshots/*/data.rss"))):
        for link, (title, pub, html) in _rss_items(__import__("pathlib").Path(path)).items():
            if link in seen or not html:
                continue
            doc = clean_html(html)
            if doc is not None:
                seen[link] = (link, doc.text, title, parsedate_to_datetime(pub).date() if pub else None)
    return list(seen.values())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-corpus", action="store_true", help="time the gold documents only")
    args = ap.parse_args()
    shared = shared_dir()
    if not (shared / "seeds").is_dir():
        print(f"reference material not found at {shared} (set READOUT_SHARED)")
        return 1
    gold = load_gold_docs()
    docs = [(g["id"], d.text, d.title, d.published_date) for g, d in gold]
    extract(*docs[0])  # warm the gazetteer caches (compiled once per process)
    sets = [("gold documents", docs)]
    if not args.no_corpus:
        sets.append(("state.gov corpus (all distinct items)", corpus_texts(shared)))
    print(f"extractor {EXTRACTOR_VERSION}")
    for label, items in sets:
        chars = sum(len(t) for _, t, _, _ in items)
        best_cpu = best_wall = float("inf")
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            for doc_id, text, title, pub in items:
                extract(doc_id, text, title, pub)
            best_cpu = min(best_cpu, time.process_time() - c0)
            best_wall = min(best_wall, time.perf_counter() - w0)
        n = len(items)
        print(f"{label}: {n} docs, {chars / n:.0f} chars/doc avg; CPU {best_cpu * 1000 / n:.2f} ms/doc "
              f"(wall {best_wall * 1000 / n:.2f} ms/doc), best of {args.repeat}")
    results = score((g, extract(g["id"], d.text, d.title, d.published_date)) for g, d in gold)
    print(f"\ngold: {len(gold)} documents")
    print(f"{'field':<20} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn")
    for field, r in results.items():
        if "f1" in r:
            print(f"{field:<20} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f}   {r['tp']}/{r['fp']}/{r['fn']}")
    print(f"\n{'field':<20} {'accuracy':>8}   correct/total")
    for field, r in results.items():
        if "accuracy" in r:
            print(f"{field:<20} {r['accuracy']:8.3f}   {r['correct']}/{r['total']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
