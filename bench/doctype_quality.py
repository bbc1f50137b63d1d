"""Document-type quality (issue 4): the classifier against 150 hand-labelled state.gov feed items.

    .venv/bin/python bench/doctype_quality.py [--shared PATH]

The labels (tests/gold_doctype/labels.json) were assigned by reading each document, without the
classifier's rules, and were never used to write them: a held-out set. Each labelled item is
taken from the real feed in ../shared (its latest version), rendered as a page the way the
day-by-day replay serves it, cleaned by the pipeline, then classified. Prints accuracy, precision
and recall per type, the confusion pairs and every miss. Exits 0 with a reason when ../shared is
absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from readout_pipeline import clean, doctype, replay  # noqa: E402

LABELS = ROOT / "tests" / "gold_doctype" / "labels.json"
FEED = "corpora/state-gov-press-rss-2022"


def evaluate(shared: Path) -> list[tuple[dict, str]]:
    """(label item, predicted type) for every labelled item."""
    items = json.loads(LABELS.read_text(encoding="utf-8"))["items"]
    latest = {}
    for snapshot in replay.load_snapshots(shared / FEED):
        for item in snapshot.items:
            latest[item.link] = item
    out = []
    for labelled in items:
        item = latest[labelled["link"]]
        doc = clean.clean_html(clean.decode_body(replay.render_page(item), None), item.link)
        out.append((labelled, doctype.classify(doc.title, doc.text) if doc else "other"))
    return out


def report(results: list[tuple[dict, str]]) -> float:
    n = len(results)
    right = sum(1 for lab, got in results if lab["label"] == got)
    print(f"document types: {n} held-out state.gov items, accuracy {right}/{n} = {right / n:.3f}\n")
    print("| type | labelled | predicted | precision | recall |")
    print("|---|---|---|---|---|")
    for kind in doctype.DOC_TYPES:
        labelled = sum(1 for lab, _ in results if lab["label"] == kind)
        predicted = sum(1 for _, got in results if got == kind)
        hits = sum(1 for lab, got in results if lab["label"] == got == kind)
        p = f"{hits / predicted:.2f}" if predicted else "-"
        r = f"{hits / labelled:.2f}" if labelled else "-"
        print(f"| {kind} | {labelled} | {predicted} | {p} | {r} |")
    readouts = {"call_readout", "meeting_readout", "joint_statement"}
    as_readout = [(lab["label"] in readouts, got in readouts) for lab, got in results]
    tp = sum(1 for a, b in as_readout if a and b)
    print(f"\nreadout or statement (call, meeting, joint statement) vs the rest: precision "
          f"{tp / max(1, sum(b for _, b in as_readout)):.2f}, recall {tp / max(1, sum(a for a, _ in as_readout)):.2f}")
    print("\nconfusions (labelled -> predicted):")
    for (want, got), count in Counter((lab["label"], got) for lab, got in results if lab["label"] != got).most_common():
        print(f"  {want} -> {got}: {count}")
    print("\nmisses:")
    for lab, got in results:
        if lab["label"] != got:
            print(f"  [{lab['label']} -> {got}] {lab['title']}")
    return right / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("READOUT_SHARED") or ROOT.parent / "shared"))
    args = ap.parse_args()
    if not (args.shared / FEED).is_dir():
        print(f"skip: the state.gov feed corpus is not at {args.shared / FEED}")
        return 0
    report(evaluate(args.shared))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
