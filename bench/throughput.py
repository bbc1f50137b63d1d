"""Throughput (issue 7.1): the full pipeline against a bare single-process trafilatura loop.

    .venv/bin/python bench/throughput.py [--pages N] [--task-runner default|dask] [--profile DIR]
                                  [--skip-ingest] [--no-standing-api]

In one run, over the same real pages of ../shared/corpora/wcxb-dev (all 1,497 by default):
  (a) bare: `trafilatura.extract(html)` in a loop in this process (the pages already decoded);
  (b) `readout backfill --from-dir` (a directory of links to the .html.gz files), fresh warehouse;
  (c) `readout ingest` of a local HTTP server's sitemap serving the same pages (their .html.gz files
      sent as they are, with `Content-Encoding: gzip`, as the official sites send pages), fresh warehouse;
  (s) the fixed start-up: `readout ingest` of a site with no pages (process start, imports,
      Prefect's temporary API, the flow run, opening/migrating/publishing an empty warehouse).
(b) and (c) run twice: as the command line runs them by default, serving Prefect's temporary API
from a thread of its own process, and against a standing Prefect API (PREFECT_API_URL; started once by the benchmark,
as deployments and scheduled runs use one), whose CPU is not counted: it is a separate service.
(b) and (c) are real `readout` subprocesses; their process tree is sampled (psutil) for CPU per role.
Prints pages per second and wall-time ratios to (a), with and without the start-up; the goal is
pipeline wall <= 0.75 x bare. Also prints the floor set by the cleaning work: the CPU seconds the
cleaning workers used divided by the cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

GOAL = 0.75


def bare_loop(files: list[Path]) -> tuple[float, float, int]:
    import trafilatura

    texts = [common.decode(common.read_page(p)) for p in files]
    trafilatura.extract(texts[0])  # imports and lazy initialisation outside the timing
    c0, w0 = time.process_time(), time.perf_counter()
    found = sum(1 for t in texts if trafilatura.extract(t))
    return time.perf_counter() - w0, time.process_time() - c0, found


def runner_args(args: argparse.Namespace) -> list[str]:
    return [] if args.task_runner == "default" else ["--task-runner", args.task_runner]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=0, help="number of WCXB pages (default: all; at least 1000 for the goal)")
    ap.add_argument("--task-runner", choices=["default", "dask"], default="default")
    ap.add_argument("--profile", type=Path, help="write cProfile files of the flow processes here")
    ap.add_argument("--skip-ingest", action="store_true", help="time backfill --from-dir only")
    ap.add_argument("--no-standing-api", action="store_true",
                    help="only the command line's temporary Prefect API, not also a standing one")
    args = ap.parse_args()
    files = common.wcxb_files(args.pages or None)
    n = len(files)
    common.header(f"throughput: {n} WCXB pages, task runner {args.task_runner}")
    cores = os.cpu_count() or 1

    bare_wall, bare_cpu, found = bare_loop(files)
    print(f"(a) bare trafilatura.extract loop: {bare_wall:.1f} s wall, {bare_cpu:.1f} s CPU, "
          f"{n / bare_wall:.1f} pages/s, {1000 * bare_cpu / n:.1f} ms CPU/page ({found} with text)")

    rows = []
    with tempfile.TemporaryDirectory(prefix="readout-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = common.bench_env(tmp)
        saved = tmp / "saved"
        saved.mkdir()
        for path in files:  # links, not copies: the corpus stays in ../shared
            (saved / path.name).symlink_to(path)
        prof = (lambda name: args.profile / f"{name}.prof") if args.profile else (lambda name: None)
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)

        start, first_ever = common.measure_startup(tmp, env, runner_args(args))
        print(f"(s) fixed start-up (empty ingest): {start.wall:.1f} s "
              f"(the very first run on a new PREFECT_HOME, which creates Prefect's database: {first_ever.wall:.1f} s)")

        def pipeline_runs(env: dict[str, str], api: str, name: str) -> None:
            cfg = tmp / f"backfill-{name}.toml"
            with common.PageSite(lambda i: b"", 0) as unused:
                unused.write_sources(cfg, tmp / f"wh-backfill-{name}")
            backfill = common.run_cli(["backfill", "--config", str(cfg), "--from-dir", str(saved), *runner_args(args)],
                                      env=env, profile=prof(f"backfill-{name}")).check()
            print(f"(b) {api}: {backfill.summary_line()}")
            rows.append((f"readout backfill --from-dir, {api}", api, backfill))
            if not args.skip_ingest:
                with common.PageSite(lambda i: common.read_page(files[i]), n,
                                     gzipped=lambda i: files[i].read_bytes()) as site:
                    cfg = site.write_sources(tmp / f"ingest-{name}.toml", tmp / f"wh-ingest-{name}")
                    ingest = common.run_cli(["ingest", "--config", str(cfg), *runner_args(args)],
                                            env=env, profile=prof(f"ingest-{name}")).check()
                    print(f"(c) {api}: {ingest.summary_line()}  [server: {site.stats.bodies} bodies sent]")
                rows.append((f"readout ingest (local sitemap), {api}", api, ingest))

        starts = {"temporary API": start.wall}
        pipeline_runs(env, "temporary API", "temporary")
        if not args.no_standing_api:
            with common.standing_api(tmp, env) as (standing_env, standing_start):
                starts["standing API"] = standing_start.wall
                print(f"(s') start-up with a standing Prefect API (PREFECT_API_URL; its CPU is not counted): "
                      f"{standing_start.wall:.1f} s")
                pipeline_runs(standing_env, "standing API", "standing")

    print()
    print(f"| run | pages | wall s | pages/s | wall / bare | (wall - start-up) / bare | "
          f"CPU s: cleaning workers / flow (with the temporary API's thread) | floor = workers CPU / {cores} cores |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| bare trafilatura.extract loop, 1 process | {n} | {bare_wall:.1f} | {n / bare_wall:.1f} | 1.00 | | "
          f"{bare_cpu:.1f} | |")
    verdicts = []
    for label, api_kind, r in rows:
        workers = r.cpu_by_role.get("cleaning workers", 0.0)
        flow_cpu = r.cpu_by_role.get("flow", 0.0)
        floor = workers / cores
        ratio = r.wall / bare_wall
        ratio_net = (r.wall - starts[api_kind]) / bare_wall
        print(f"| {label} | {n} | {r.wall:.1f} | {n / r.wall:.1f} | {ratio:.2f} | {ratio_net:.2f} | "
              f"{workers:.0f} / {flow_cpu:.0f} | {floor:.1f} s ({floor / bare_wall:.2f} x bare) |")
        verdicts.append(f"{label}: wall / bare = {ratio:.2f} -> goal (<= {GOAL}) "
                        f"{'MET' if ratio <= GOAL else 'NOT MET'}")
    print()
    print(f"fixed start-up {start.wall:.1f} s (temporary API)"
          + (f", {starts['standing API']:.1f} s (standing API)" if "standing API" in starts else "")
          + "; cleaning CPU per page in the workers: "
          + ", ".join(f"{label.split()[1]} ({api_kind}) "
                      f"{1000 * r.cpu_by_role.get('cleaning workers', 0.0) / n:.0f} ms" for label, api_kind, r in rows)
          + f"; bare extract {1000 * bare_cpu / n:.0f} ms")
    for v in verdicts:
        print(v)
    print(f"load average (1 min) at end: {common.load_average():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
