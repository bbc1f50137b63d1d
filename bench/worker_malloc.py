"""A cleaning worker's malloc policy: CPU, page faults and RSS per page, two policies compared.

    .venv/bin/python bench/worker_malloc.py [--pages N] [--rounds R]

* `tune + trim > 256 KB` (the workers until this script): `malloc.tune()` (every allocation over
  128 KB in its own mapping) and `malloc.trim()` after every page over 256 KB;
* `trim every 50` (the workers now, pages.py): glibc's defaults, `malloc.trim()` every
  `pages._TRIM_EVERY_PAGES` (50) pages and after a page over `pages._TRIM_AFTER_BYTES` (1 MB), by the
  workers' own `pages.trim_now_and_then`.

Each policy runs in its own process (mallopt settings are process-wide), alternating, `--rounds` times
each, over the same WCXB pages parsed as the workers parse them (`pages.parse_page`, after the warm-up
the forkserver does). Prints CPU ms per page, minor page faults and system ms per page, and the
process's RSS after a seventh of the pages and at the end (the page bodies are held in memory by the
script: compare the policies, not the absolute figures).
Reads ../shared (or $READOUT_SHARED); prints `skipped: ...` and exits 0 when it is absent.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import common

POLICIES = ("tune + trim > 256 KB", "trim every 50")


def one(policy: str, n: int) -> dict[str, float]:
    from readout_pipeline import malloc, pages, warmup

    if policy == POLICIES[0]:
        malloc.tune()
    warmup.warm_up()
    raws = [common.raw_page(path) for path in common.wcxb_files(n)]
    rss = []
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.process_time()
    for raw in raws:
        pages.parse_page(raw)
        if policy == POLICIES[1]:
            pages.trim_now_and_then(raw.size)  # what a worker does after each page
        elif raw.size > 256 * 1024:
            malloc.trim()
        with open("/proc/self/statm") as fh:
            rss.append(int(fh.read().split()[1]) * resource.getpagesize() / 2**20)
    cpu, after = time.process_time() - start, resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_ms": 1000 * cpu / len(raws), "faults": (after.ru_minflt - before.ru_minflt) / len(raws),
            "sys_ms": 1000 * (after.ru_stime - before.ru_stime) / len(raws),
            "rss_early": rss[len(rss) // 7], "rss_end": rss[-1], "rss_max": max(rss)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=700)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--policy", choices=POLICIES, help=argparse.SUPPRESS)  # one run, in a child
    args = ap.parse_args()
    if common.wcxb_dir() is None:
        print(f"skipped: WCXB pages not found under {common.shared_dir()}")
        return 0
    if args.policy:
        print(json.dumps(one(args.policy, args.pages)))
        return 0
    common.header(f"cleaning worker malloc policy: {args.pages} WCXB pages, {args.rounds} round(s)")
    print("| policy | CPU ms/page | minor faults/page | system ms/page | RSS MB early / end / max |")
    print("|---|---|---|---|---|")
    for _ in range(args.rounds):
        for policy in POLICIES:
            out = subprocess.run([sys.executable, __file__, "--pages", str(args.pages), "--policy", policy],
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {policy} | {r['cpu_ms']:.1f} | {r['faults']:.0f} | {r['sys_ms']:.1f} | "
                  f"{r['rss_early']:.0f} / {r['rss_end']:.0f} / {r['rss_max']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
