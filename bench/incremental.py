"""Incremental cost (issue 7.2): a re-run over an unchanged site, against the first run.

    .venv/bin/python bench/incremental.py [--pages N]

A local HTTP server on 127.0.0.1 serves N real WCXB pages (all 1,497 by default) with ETag and
Last-Modified, and a sitemap. Runs, each a `readout ingest` subprocess on the same warehouse:
  (s) the fixed start-up: an ingest of a site with no pages (process start, imports, Prefect's
      temporary API, the flow run, an empty warehouse opened and published);
  (1) the first run: every page fetched, cleaned, loaded;
  (2) a re-run with every URL due for a recheck (recheck_after_hours = 0): every page is asked for
      with a conditional GET; the server counts the bodies it sends (the goal: none);
  (3) a re-run with the default recheck interval (24 h): nothing is due, nothing is requested.
Goal: (re-run - start-up) <= 10% of (first run - start-up), with no body re-downloaded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

GOAL = 0.10


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=0, help="number of WCXB pages (default: all)")
    args = ap.parse_args()
    files = common.wcxb_files(args.pages or None)
    n = len(files)
    common.header(f"incremental cost: {n} WCXB pages from a local sitemap")
    with tempfile.TemporaryDirectory(prefix="readout-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = common.bench_env(tmp)
        start, first_ever = common.measure_startup(tmp, env)
        print(f"(s) fixed start-up (empty ingest): {start.wall:.1f} s "
              f"(first run on a new PREFECT_HOME: {first_ever.wall:.1f} s)")
        with common.PageSite(lambda i: common.read_page(files[i]), n) as site:
            recheck = site.write_sources(tmp / "recheck.toml", tmp / "wh")  # recheck_after_hours = 0
            daily = site.write_sources(tmp / "daily.toml", tmp / "wh", recheck_after_hours=24)
            first = common.run_cli(["ingest", "--config", str(recheck)], env=env).check()
            sent_first = site.stats.bodies
            print(f"(1) {first.summary_line()}  [server: {sent_first} bodies]")
            site.reset_stats()
            again = common.run_cli(["ingest", "--config", str(recheck)], env=env).check()
            stats = site.stats
            print(f"(2) {again.summary_line()}  [server: {stats.bodies} bodies, {stats.not_modified} x 304, "
                  f"{stats.bytes_sent} bytes]")
            site.reset_stats()
            idle = common.run_cli(["ingest", "--config", str(daily)], env=env).check()
            print(f"(3) {idle.summary_line()}  [server: {site.stats.requests} requests]")
            bodies_again = stats.bodies
    first_net = first.wall - start.wall
    print()
    print("| run | wall s | minus start-up s | share of first run (net) | bodies downloaded |")
    print("|---|---|---|---|---|")
    print(f"| fixed start-up (empty ingest) | {start.wall:.1f} | | | 0 |")
    print(f"| first ingest, {n} pages | {first.wall:.1f} | {first_net:.1f} | 100% | {sent_first} |")
    shares = []
    for label, r, bodies in (("re-run, conditional GET of every page", again, bodies_again),
                             ("re-run, nothing due (24 h recheck)", idle, 0)):
        net = max(0.0, r.wall - start.wall)
        shares.append((label, net / first_net, bodies))
        print(f"| {label} | {r.wall:.1f} | {net:.1f} | {100 * net / first_net:.1f}% | {bodies} |")
    print()
    for label, share, bodies in shares:
        ok = share <= GOAL and bodies == 0
        print(f"{label}: {100 * share:.1f}% of the first run, {bodies} bodies -> goal (<= {GOAL:.0%}, no body) "
              f"{'MET' if ok else 'NOT MET'}")
    print(f"load average (1 min) at end: {common.load_average():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
