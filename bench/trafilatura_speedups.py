"""Trafilatura's speed-ups (src/readout_pipeline/trafilatura_speedups.py): CPU per page and results,
with and without each, over the WCXB pages.

    .venv/bin/python bench/trafilatura_speedups.py [--limit N]

Each page is parsed the way the cleaning workers parse it (`pages.parse_page`: cleaning, metadata,
document type, fingerprint, extraction) four times: with trafilatura's own XPaths and parser; with
the guarded XPaths, their re:test calls lxml's; with the guarded XPaths, their re:test calls answered
by the remembering functions (what the workers run); and with those and the parser whose element
classes are looked up in C. The order rotates from page to page, in one process: drift in the
machine's speed falls on all four. Prints CPU ms per page each way, the ratios, and the number of pages whose results differ
(must be 0).
Reads ../shared (or $READOUT_SHARED); prints `skipped: ...` and exits 0 when it is absent.
"""

from __future__ import annotations

import argparse
import time

import common
from lxml.etree import XPath
from trafilatura import xpaths

from readout_pipeline import pages
from readout_pipeline import trafilatura_speedups as speedups


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N WCXB pages (default: all)")
    args = ap.parse_args()
    if common.wcxb_dir() is None:
        print(f"skipped: WCXB pages not found under {common.shared_dir()}")
        return 0
    common.header("trafilatura speed-ups: parse_page with and without")
    table = speedups.rewritten()
    print(f"expressions rewritten: {sum(len(v) for v in table.values())} in {len(table)} lists")
    own_parser, fast_parser = speedups._ORIGINAL_PARSER, speedups.fast_parser()
    # what active() swaps in, per variant: (XPaths rewritten, parser)
    # the guarded XPaths with lxml's own re:test, each call searching again
    searching = {name: [(i, original, XPath(speedups.guard(original.path), namespaces={"re": xpaths.REGEXP_NS},
                                            smart_strings=False)) for i, original, _new in changed]
                 for name, changed in table.items()}
    variants = {
        "trafilatura's own": (dict, lambda: own_parser),
        "guarded XPaths (re:test)": (lambda: searching, lambda: own_parser),
        "guarded XPaths, re:test remembered": (lambda: table, lambda: own_parser),
        "guarded XPaths, re:test remembered + C lookup": (lambda: table, lambda: fast_parser),
    }
    names = list(variants)
    cpu = dict.fromkeys(names, 0.0)
    differing = 0
    files = common.wcxb_files(args.limit)
    for name in names:  # warm up every way (lazy imports, date parser locales) before timing
        speedups.rewritten, speedups.fast_parser = variants[name]
        pages.parse_page(common.raw_page(files[0]))
    for k, path in enumerate(files):
        raw = common.raw_page(path)
        results = {}
        for name in names[k % len(names):] + names[: k % len(names)]:
            speedups.rewritten, speedups.fast_parser = variants[name]
            start = time.process_time()
            results[name] = pages.parse_page(raw)
            cpu[name] += time.process_time() - start
        differing += len({repr(r) for r in results.values()}) > 1
    n = len(files)
    own = 1000 * cpu[names[0]] / n
    print(f"pages: {n}")
    print("| variant | CPU ms/page | saved ms/page | ratio |")
    print("|---|---|---|---|")
    for name in names:
        ms = 1000 * cpu[name] / n
        print(f"| {name} | {ms:.1f} | {own - ms:.1f} | {ms / own:.3f} |")
    print(f"pages with a different result: {differing}")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
