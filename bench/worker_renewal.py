"""The cleaning workers' renewal (pages.WORKER_PAGES): memory and CPU with and without it.

    .venv/bin/python bench/worker_renewal.py [--pages 1497] [--repeat 2] [--every 0,100] [--rounds 1]

For each setting of `--every` in turn (0: workers never renewed, as before session 26), the WCXB
pages (`--repeat` times over) are cleaned by `pages.parse_pages` with two workers forked from a warm
forkserver, in batches of 200, as a run cleans them (bodies passed along, no archive). The PSS of the
forkserver and its workers is sampled every 0.2 s; each setting gets a pool and forkserver of its own,
stopped and reaped at the end so that the CPU of every worker is counted (the forkserver's start
included, the same for each setting). Prints the mean and peak PSS, the wall time and the CPU per page,
and each setting's ratio to the first.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(items: list, every: int) -> dict[str, float]:
    import psutil

    from readout_pipeline import pages

    pages.WORKER_PAGES = every or None  # type: ignore[assignment]
    limits = pages.Limits()
    me = psutil.Process()
    cpu0 = children_cpu()
    pages.prestart(workers=2, limits=limits)
    time.sleep(3)  # the forkserver's start and the workers' fork, before the clock starts
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_full_info().pss
                except (psutil.Error, OSError):
                    pass
            samples.append(total / 2**20)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    for i in range(0, len(items), 200):
        pages.parse_pages(items[i:i + 200], workers=2, limits=limits)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    pool = pages._POOLS.pop((2, limits))
    pool.shutdown(wait=True)
    # Ends the forkserver, which reaped the workers: their CPU is counted. The next setting starts
    # a pool and a forkserver of its own.
    pages.stop_cleaning_processes()
    return {"wall": wall, "cpu_ms": (children_cpu() - cpu0) / len(items) * 1e3,
            "mean": statistics.mean(samples), "peak": max(samples)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=0, help="WCXB pages (default: all)")
    ap.add_argument("--repeat", type=int, default=2, help="times over the pages")
    ap.add_argument("--every", default="0,100", help="pages per worker before renewal, comma-separated (0: never)")
    ap.add_argument("--rounds", type=int, default=1, help="times over the settings, alternating")
    args = ap.parse_args()
    files = common.wcxb_files(args.pages or None)
    settings = [int(x) for x in args.every.split(",")]
    common.header(f"cleaning workers' renewal: {len(files)} WCXB pages x {args.repeat}, two workers, settings {settings}")
    items = [(common.raw_page(f), []) for f in files] * args.repeat
    rows: list[tuple[int, dict[str, float]]] = []
    for _round in range(args.rounds):
        for every in settings:
            result = run(items, every)
            rows.append((every, result))
            print(f"renewed every {every or 'never'}: wall {result['wall']:.1f} s, CPU {result['cpu_ms']:.1f} ms/page "
                  f"(forkserver start included), PSS mean {result['mean']:.0f} MB, peak {result['peak']:.0f} MB", flush=True)
    print()
    print("| renewed every (pages) | wall s | CPU ms/page | PSS mean MB | PSS peak MB | CPU / first | PSS mean / first |")
    print("|---|---|---|---|---|---|---|")
    first = rows[0][1]
    for every, r in rows:
        print(f"| {every or 'never'} | {r['wall']:.1f} | {r['cpu_ms']:.1f} | {r['mean']:.0f} | {r['peak']:.0f} | "
              f"{r['cpu_ms'] / first['cpu_ms']:.2f} | {r['mean'] / first['mean']:.2f} |")
    print(f"load average (1 min) at end: {common.load_average():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
