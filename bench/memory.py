"""Memory (issue 7.3): peak RSS of a whole ingest run of 10,000 pages, and how it grows.

    .venv/bin/python bench/memory.py [--sizes 1000,10000]

For each size N, a local HTTP server on 127.0.0.1 serves N variants of the real WCXB pages
(page i is WCXB page i mod 1,497 with one extra paragraph naming i before its first <p>; where that
<p> is page chrome the cleaner drops both, so 10,000 pages make 6,335 distinct documents)
and a sitemap; `readout ingest` runs on a fresh warehouse in a subprocess whose whole process tree
(the flow process, which serves Prefect's temporary API from a thread, and the cleaning workers) is
sampled every 0.25 s with psutil. `--standing-api`: the runs use a Prefect API started once in its own
process (PREFECT_API_URL), as deployments and scheduled runs do; that process is not in the tree.
Prints the peak RSS of the tree and of each role, and the tree's peak RSS within each quarter of
the pages fetched (flat = streamed batches). Goal: peak <= 600 MB at 10,000 pages, flat.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

GOAL_MB = 600


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated")
    ap.add_argument("--standing-api", action="store_true",
                    help="run against a standing Prefect API (PREFECT_API_URL, as deployments do; "
                         "a separate process, not counted) instead of the run's own temporary API")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    files = common.wcxb_files()
    api = "a standing Prefect API" if args.standing_api else "the run's temporary Prefect API"
    common.header(f"memory: ingest of {', '.join(map(str, sizes))} page variants from a local sitemap, on {api}")
    results = []
    with tempfile.TemporaryDirectory(prefix="readout-bench-") as tmpdir, contextlib.ExitStack() as stack:
        tmp = Path(tmpdir)
        env = common.bench_env(tmp)
        if args.standing_api:
            env, _start = stack.enter_context(common.standing_api(tmp, env))
        common.measure_startup(tmp, env)  # creates Prefect's database outside the measured runs
        for n in sizes:
            def page(i: int) -> bytes:
                return common.variant(common.read_page(files[i % len(files)]), i)

            with common.PageSite(page, n) as site:
                cfg = site.write_sources(tmp / f"m{n}.toml", tmp / f"wh{n}")
                r = common.run_cli(["ingest", "--config", str(cfg)], env=env, probe=lambda: site.stats.bodies,
                                  pss=True).check()
            print(f"{n}: {r.summary_line()}")
            results.append((n, r))
    def quarters(samples: list[tuple[float, float, int]], n: int) -> str:
        out = []
        for q in range(4):
            lo, hi = q * n / 4, (q + 1) * n / 4
            in_q = [mb for _t, mb, done in samples if lo <= done < hi or (q == 3 and done >= hi)]
            out.append(f"{max(in_q):.0f}" if in_q else "-")
        return " / ".join(out)

    flow_note = "" if args.standing_api else " (with the temporary API)"
    for label, peak, by_role, series in (
        ("peak RSS summed over the tree (a page shared by k processes counted k times)",
         lambda r: r.peak_rss_mb, lambda r: r.peak_rss_by_role_mb, lambda r: r.samples),
        ("peak PSS summed over the tree (shared pages counted once: the memory the tree occupies)",
         lambda r: r.peak_pss_mb, lambda r: r.peak_pss_by_role_mb, lambda r: r.pss_samples),
    ):
        print()
        print(f"{label}:")
        print(f"| pages | wall s | whole tree MB | flow process{flow_note} | cleaning workers (all) | "
              "tree peak per quarter of the pages fetched MB |")
        print("|---|---|---|---|---|---|")
        for n, r in results:
            roles = by_role(r)
            print(f"| {n} | {r.wall:.0f} | {peak(r):.0f} | {roles.get('flow', 0):.0f} | "
                  f"{roles.get('cleaning workers', 0):.0f} | "
                  f"{quarters(series(r), n)} |")
    n, r = results[-1]
    print()
    for name, value in (("RSS summed", r.peak_rss_mb), ("PSS summed", r.peak_pss_mb)):
        print(f"peak {name}, whole tree at {n} pages: {value:.0f} MB -> goal (<= {GOAL_MB} MB) "
              f"{'MET' if value <= GOAL_MB else 'NOT MET'}")
    at_peak = r.pss_at_peak_by_role_mb
    print(f"at the moment of the tree's peak PSS: flow{flow_note} {at_peak.get('flow', 0):.0f} MB, "
          f"cleaning workers {at_peak.get('cleaning workers', 0):.0f} MB")
    if len(results) > 1:
        small, big = results[0], results[-1]
        print(f"growth: {small[0]} -> {big[0]} pages ({big[0] / small[0]:.0f}x): peak PSS "
              f"{small[1].peak_pss_mb:.0f} -> {big[1].peak_pss_mb:.0f} MB "
              f"({big[1].peak_pss_mb / small[1].peak_pss_mb:.2f}x)")
    print(f"load average (1 min) at end: {common.load_average():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
