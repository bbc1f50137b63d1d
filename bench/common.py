"""Shared helpers for the performance scripts (throughput, incremental, memory, warehouse_scale).

* the reference corpus: WCXB dev pages from ../shared (or $READOUT_SHARED); scripts print a skip
  reason and exit 0 when it is absent;
* `variant(body, i)`: a distinct variation of a real page (one extra paragraph), for corpora larger
  than the 1,497 real pages;
* `PageSite`: a local HTTP server on 127.0.0.1 serving pages with ETag/Last-Modified, answering
  conditional GETs with 304, plus /sitemap.xml and /robots.txt; it counts what it sent;
* `run_cli`: runs a `readout` command in a subprocess and samples its whole process tree (psutil):
  wall time, peak RSS (sum over the tree and per role), CPU seconds per role;
* machine facts and the load average, printed with every result.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
WCXB = "corpora/wcxb-dev/html"


# ---------------------------------------------------------------- corpus


def shared_dir() -> Path:
    return Path(os.environ.get("READOUT_SHARED") or REPO.parent / "shared")


def wcxb_dir() -> Path | None:
    path = shared_dir() / WCXB
    return path if path.is_dir() else None


def require_wcxb() -> Path:
    """The WCXB html directory, or exit 0 with the reason (a fresh clone has no ../shared)."""
    path = wcxb_dir()
    if path is None:
        print(f"skipped: reference corpus not found at {shared_dir() / WCXB} (set READOUT_SHARED)")
        raise SystemExit(0)
    return path


def wcxb_files(limit: int | None = None) -> list[Path]:
    files = sorted(require_wcxb().glob("*.html.gz"))
    return files[:limit] if limit else files


def read_page(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


def raw_page(path: Path):
    """A WCXB page as the cleaning workers receive it (a `pages.RawPage` with its body), for the
    scripts that time `pages.parse_page` in one process. Its URL is the file's, to be replaced by the
    page's declared one, as a backfill does."""
    from datetime import UTC, datetime

    from readout_pipeline.pages import RawPage

    url = path.resolve().as_uri()
    return RawPage(url=url, fetch_url=url, source_id="bench", raw_sha256="0" * 64, content_type="text/html",
                   charset=None, fetched_at=datetime(2024, 1, 1, tzinfo=UTC), body=read_page(path),
                   url_from_page=True)


def decode(body: bytes) -> str:
    from readout_pipeline.clean import decode_body

    return decode_body(body, None)


_WORDS = ("ministers", "agreed", "coalition", "meeting", "stabilization", "partners", "support",
          "delegation", "security", "humanitarian", "dialogue", "region", "cooperation", "progress")


def variant(body: bytes, i: int) -> bytes:
    """Page `body` with one extra paragraph naming `i`, before its first paragraph, keeping the real
    page's structure and size. The variants' texts differ unless that first paragraph is page chrome,
    which the cleaner drops with the extra one (10,000 variants of the WCXB pages: 6,335 texts)."""
    words = " ".join(_WORDS[(i * 7 + k * 3) % len(_WORDS)] for k in range(12))
    extra = f"<p>Bulletin {i}: the {words} (reference {i * 7919 % 100003}).</p>".encode()
    lower = body[:400_000].lower()
    at = lower.find(b"<p>")
    if at < 0:
        at = lower.find(b"<p ")
    if at < 0:
        at = lower.find(b"</body")
    return body + extra if at < 0 else body[:at] + extra + body[at:]


# ---------------------------------------------------------------- local site


@dataclass
class SiteStats:
    bodies: int = 0  # 200 responses with a page body
    not_modified: int = 0  # 304 responses
    bytes_sent: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class PageSite:
    """Serves `count` pages at /p/<i>.html (bodies from `page(i)`), a sitemap and robots.txt.

    ETag and Last-Modified are stable per page; If-None-Match / If-Modified-Since get a 304
    without a body. Bodies are produced on request, so 10,000 variants need no memory. With
    `gzipped(i)` (the page already gzip-compressed, e.g. a corpus .html.gz file), a client that
    accepts gzip gets that with `Content-Encoding: gzip`, as from a web server with precompressed
    pages and as the official sites send their pages."""

    LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)

    def __init__(self, page: Callable[[int], bytes], count: int, etag_seed: str = "v1",
                 gzipped: Callable[[int], bytes] | None = None):
        self.page, self.count, self.etag_seed, self.gzipped = page, count, etag_seed, gzipped
        self.stats = SiteStats()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes: with Nagle's algorithm on (http.server's
            # default) the body waits for the client's delayed ACK, 40 ms per response. Web servers
            # (nginx, CDNs) set TCP_NODELAY, and so does this one.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with site.stats.lock:
                    site.stats.requests += 1
                path = self.path.split("?", 1)[0]
                if path == "/robots.txt":
                    return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
                if path == "/sitemap.xml":
                    return self._send(200, site.sitemap(), "application/xml")
                if path.startswith("/p/") and path.endswith(".html"):
                    try:
                        i = int(path[3:-5])
                    except ValueError:
                        i = -1
                    if 0 <= i < site.count:
                        etag = site.etag(i)
                        if self.headers.get("If-None-Match") == etag:
                            with site.stats.lock:
                                site.stats.not_modified += 1
                            return self._send(304, b"", None, etag)
                        with site.stats.lock:
                            site.stats.bodies += 1
                        if site.gzipped is not None and "gzip" in self.headers.get("Accept-Encoding", ""):
                            return self._send(200, site.gzipped(i), "text/html", etag, encoding="gzip")
                        return self._send(200, site.page(i), "text/html", etag)
                return self._send(404, b"not found", "text/plain")

            def _send(self, status: int, body: bytes, ctype: str | None, etag: str | None = None,
                      encoding: str | None = None) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                if encoding:
                    self.send_header("Content-Encoding", encoding)
                if etag:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", site.LAST_MODIFIED)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)
                with site.stats.lock:
                    site.stats.bytes_sent += len(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def etag(self, i: int) -> str:
        return '"' + hashlib.sha256(f"{self.etag_seed}:{i}".encode()).hexdigest()[:20] + '"'

    def sitemap(self) -> bytes:
        urls = "".join(f"<url><loc>{self.base_url}/p/{i}.html</loc></url>" for i in range(self.count))
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()

    def __enter__(self) -> PageSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset_stats(self) -> None:
        self.stats = SiteStats()

    def write_sources(self, path: Path, warehouse_dir: Path, **settings: object) -> Path:
        """A sources.toml with one source: this site's sitemap, no filters, no politeness delay."""
        base = {"warehouse_dir": str(warehouse_dir), "min_delay_seconds": 0.0, "per_host_concurrency": 4,
                "recheck_after_hours": 0.0, "backoff_base": 0.01}
        base.update(settings)

        def toml(v: object) -> str:
            return f'"{v}"' if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)

        lines = ["[settings]", *(f"{k} = {toml(v)}" for k, v in base.items()), "",
                 "[[sources]]", 'id = "bench-site"', 'name = "Benchmark site (WCXB pages on 127.0.0.1)"',
                 f'home = "{self.base_url}/"', f'sitemaps = ["{self.base_url}/sitemap.xml"]']
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


# ---------------------------------------------------------------- running the CLI


@dataclass
class RunResult:
    argv: list[str]
    returncode: int
    wall: float
    stdout: str
    stderr: str
    peak_rss_mb: float = 0.0  # sum over the process tree, at the worst moment
    peak_rss_by_role_mb: dict[str, float] = field(default_factory=dict)
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (seconds, tree RSS MB, probe)
    # With pss=True: proportional set size (a page shared by k processes counts 1/k in each), summed
    # over the tree: the memory the tree really occupies. Summed RSS counts every shared page (the
    # libraries the forked cleaning workers share with their forkserver) once per process.
    peak_pss_mb: float = 0.0
    peak_pss_by_role_mb: dict[str, float] = field(default_factory=dict)
    pss_samples: list[tuple[float, float, int]] = field(default_factory=list)
    # The roles' PSS in the sample where the tree's PSS peaked (the per-role peaks above come from
    # different moments and do not add up to the tree's).
    pss_at_peak_by_role_mb: dict[str, float] = field(default_factory=dict)

    def check(self) -> RunResult:
        if self.returncode != 0:
            sys.stderr.write(self.stdout[-3000:] + self.stderr[-3000:])
            raise SystemExit(f"command failed ({self.returncode}): {' '.join(self.argv)}")
        return self

    def summary_line(self) -> str:
        return next((ln for ln in self.stdout.splitlines() if " completed (run " in ln), "")


def _role(proc, root_pid: int) -> str:
    if proc.pid == root_pid:
        return "flow"
    try:
        cmd = " ".join(proc.cmdline())
    except Exception:  # noqa: BLE001 - gone
        return "other"
    if "forkserver" in cmd:
        return "cleaning workers"
    if "resource_tracker" in cmd:
        return "other"
    return "other"


def run_cli(args: list[str], *, env: dict[str, str] | None = None, interval: float = 0.25,
            cwd: Path | None = None, profile: Path | None = None,
            probe: Callable[[], int] | None = None, pss: bool = False) -> RunResult:
    """Run `readout ARGS` and sample its process tree until it exits (`profile`: write a cProfile
    of the flow process there; `pss`: also sample proportional set sizes)."""
    import psutil

    argv = [str(REPO / ".venv" / "bin" / "readout"), *args]
    if profile is not None:
        argv = [sys.executable, "-m", "cProfile", "-o", str(profile), *argv]
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env,
                            cwd=str(cwd or REPO))
    out: dict[str, str] = {}

    def drain(name: str, stream) -> None:
        out[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    root = psutil.Process(proc.pid)
    cpu: dict[int, tuple[str, float]] = {}
    peak_total = 0.0
    peak_role: dict[str, float] = {}
    samples: list[tuple[float, float, int]] = []
    peak_pss, peak_pss_role, pss_samples = 0.0, {}, []
    pss_at_peak: dict[str, float] = {}
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        total = total_pss = 0.0
        by_role: dict[str, float] = {}
        pss_role: dict[str, float] = {}
        for p in procs:
            try:
                if pss:
                    full = p.memory_full_info()
                    rss, p_pss = full.rss / 2**20, full.pss / 2**20
                else:
                    rss, p_pss = p.memory_info().rss / 2**20, 0.0
                t = p.cpu_times()
                role = cpu[p.pid][0] if p.pid in cpu else _role(p, proc.pid)
                cpu[p.pid] = (role, t.user + t.system)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += rss
            total_pss += p_pss
            by_role[role] = by_role.get(role, 0.0) + rss
            pss_role[role] = pss_role.get(role, 0.0) + p_pss
        peak_total = max(peak_total, total)
        if total_pss > peak_pss:
            peak_pss, pss_at_peak = total_pss, pss_role
        for role, rss in by_role.items():
            peak_role[role] = max(peak_role.get(role, 0.0), rss)
        for role, value in pss_role.items():
            peak_pss_role[role] = max(peak_pss_role.get(role, 0.0), value)
        done = probe() if probe else 0
        samples.append((time.perf_counter() - start, total, done))
        pss_samples.append((time.perf_counter() - start, total_pss, done))
        time.sleep(interval)
    proc.wait()
    wall = time.perf_counter() - start
    for r in readers:
        r.join()
    cpu_role: dict[str, float] = {}
    for role, seconds in cpu.values():
        cpu_role[role] = cpu_role.get(role, 0.0) + seconds
    return RunResult(argv, proc.returncode, wall, out.get("out", ""), out.get("err", ""), peak_total,
                     peak_role, cpu_role, samples, peak_pss, peak_pss_role, pss_samples,
                     pss_at_peak)


T = TypeVar("T")


def cold_and_warm(fn: Callable[[], T], repeat: int, *, give_up_after: float | None = None) -> tuple[float, float, T]:
    """Seconds of the first call of `fn` (cold), the best of `repeat` more (warm), and the first
    call's value. With `give_up_after`: a cold call slower than that is not repeated (warm = cold)."""
    t = time.perf_counter()
    value = fn()
    cold = time.perf_counter() - t
    if give_up_after is not None and cold > give_up_after:
        return cold, cold, value
    warm = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        warm = min(warm, time.perf_counter() - t)
    return cold, warm, value


def bench_env(tmp: Path) -> dict[str, str]:
    """Environment for benchmark runs: no progress bars, Prefect quiet and on its temporary API."""
    env = {"PREFECT_HOME": str(tmp / "prefect-home"), "PREFECT_LOGGING_LEVEL": "WARNING",
           # a new PREFECT_HOME creates Prefect's database on the first start: allow for it
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    env.pop("PREFECT_API_URL", None)
    return env


def measure_startup(tmp: Path, env: dict[str, str], extra: list[str] = (),
                    name: str = "empty") -> tuple[RunResult, RunResult]:
    """The fixed start-up: `readout ingest` of a site with no pages, on a fresh warehouse. Run
    twice: the first run on a new PREFECT_HOME also creates Prefect's own database (once per
    machine in real use); the second is the figure that every run pays. `name` keeps the files of
    separate measurements in one directory apart."""
    runs = []
    with PageSite(lambda i: b"", 0) as empty:
        for k in range(2):
            cfg = empty.write_sources(tmp / f"{name}{k}.toml", tmp / f"wh-{name}{k}")
            runs.append(run_cli(["ingest", "--config", str(cfg), *extra], env=env).check())
    return runs[1], runs[0]


@contextlib.contextmanager
def standing_api(tmp: Path, env: dict[str, str]) -> Iterator[tuple[dict[str, str], RunResult]]:
    """A Prefect API started once in a process of its own and left running, as deployments and
    scheduled runs see one (`PREFECT_API_URL`): yields the environment for `run_cli` that points at
    it, and the start-up of an empty ingest against it. The application is the one the command
    line serves in its own process for a run (flows/temporary_api.py: Prefect's `create_app`,
    ephemeral, no UI, no services), here under uvicorn's command line."""
    sys.path.insert(0, str(REPO))
    from flows.temporary_api import TEMPORARY_API_SETTINGS, wait_until_answering

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    server_env = {**TEMPORARY_API_SETTINGS, **env, "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    server_env.pop("PREFECT_API_URL", None)
    log_file = tmp / "standing-prefect-api.log"
    with open(log_file, "ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=server_env,
        )
    try:
        wait_until_answering(url, lambda: server.poll() is None, "the standing Prefect API", log_file, 90.0)
        standing = {**env, "PREFECT_API_URL": url}
        yield standing, measure_startup(tmp, standing, name="empty-standing")[0]
    finally:
        server.terminate()
        server.wait(timeout=20)


# ---------------------------------------------------------------- machine and load


def load_average() -> float:
    return os.getloadavg()[0]


def wait_for_quiet(threshold: float = 0.5, max_wait: float = 0.0) -> float:
    """Wait up to `max_wait` seconds for the 1-minute load to fall below `threshold`; returns it."""
    deadline = time.monotonic() + max_wait
    while load_average() >= threshold and time.monotonic() < deadline:
        time.sleep(5)
    return load_average()


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        ram = f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM"
    except ImportError:
        ram = ""
    import duckdb
    import trafilatura

    return (f"{os.cpu_count()} cores ({model or platform.processor() or platform.machine()}), {ram}, "
            f"Python {platform.python_version()}, trafilatura {trafilatura.__version__}, duckdb {duckdb.__version__}")


def header(title: str) -> None:
    print(f"# {title}")
    print(f"machine: {machine()}")
    print(f"load average (1 min) at start: {load_average():.2f}")
