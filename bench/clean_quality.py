"""Cleaning-quality benchmark (issue 4): bare ``trafilatura.extract`` vs the project's cleaning.

One command, both methods in the same run on the same decoded HTML:

    .venv/bin/python bench/clean_quality.py [--limit N] [--shared PATH] [--jobs N] [--json]

Corpora (read from ``../shared`` or ``$READOUT_SHARED`` or ``--shared``; the script exits
with a clear message when they are absent):

* ``corpora/wcxb-dev``: 1,497 real pages with ground truth. Per method: must-contain recall
  (``with`` snippets found), boilerplate leak (``without`` snippets found), cookie/consent
  leak (the ``without`` snippets matching ``COOKIE_SNIPPET``), 4-token shingle
  precision/recall/F1 against ``main_content``, CPU ms per page (``time.process_time`` around
  the extraction call only, so it is not skewed by other load on the machine). Printed for
  all pages and for the even- and odd-numbered halves (develop on one, confirm on the other).
* ``corpora/government-pages``: non-empty text, the known duplicate pairs hash equal, and
  lines a generic chrome detector (``CHROME_LINE``, independent of the cleaner's rules)
  flags in the output.

See bench/README.md for what the measures mean.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from readout_pipeline.clean import clean_html, decode_body  # noqa: E402
from readout_pipeline.fingerprint import content_hash  # noqa: E402

# A `without` snippet counts as cookie/consent/privacy chrome when it matches this general
# vocabulary (consent-manager wording; nothing page-specific).
COOKIE_SNIPPET = re.compile(
    r"cookie|consent|privacy|gdpr|ccpa|tracking|opt[- ]?out|do not sell|personal (?:data|information)"
    r"|data protection|(?:accept|reject|allow|decline|deny) all\b|necessary only|preferences center",
    re.IGNORECASE,
)

# The generic chrome-line detector for the government pages: a short line that is (or
# opens with) consent, share/print, navigation or footer vocabulary.
CHROME_LINE = re.compile(
    r"^(?:.{0,80}\b(?:cookies?|consent|gdpr)\b.{0,200}"
    r"|(?:share(?: this)?(?: on)?|print(?: this page)?|tweet|follow us|subscribe|newsletter|"
    r"skip to (?:main )?content|back to top|read more|related (?:news|articles|links)|"
    r"home\s*[>»›/|].*|©.*|copyright\b.*|.*all rights reserved.*|privacy policy|"
    r"terms of (?:use|service)|sitemap|accessibility|contact us)[:.!]?)$",
    re.IGNORECASE,
)

_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")


def norm(text: str) -> str:
    """Case-folded, NFKC, whitespace-collapsed form used for snippet matching."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def shingles(text: str, n: int = 4) -> Counter:
    toks = _TOKEN.findall((text or "").casefold())
    return Counter(tuple(toks[i : i + n]) for i in range(max(0, len(toks) - n + 1)))


def shingle_pr(pred: str, ref: str) -> tuple[float, float] | None:
    """Per-page (precision, recall) of 4-token shingles; None when the reference has none."""
    r = shingles(ref)
    if not r:
        return None
    p = shingles(pred)
    tp = sum((p & r).values())
    fp = sum(p.values()) - tp
    fn = sum(r.values()) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0  # nothing extracted: precision 0
    return precision, tp / (tp + fn)


# --------------------------------------------------------------------------------------
# extraction methods, timed with CPU time
# --------------------------------------------------------------------------------------


def run_bare(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def run_project(html: str) -> str:
    doc = clean_html(html)
    return doc.text if doc else ""


METHODS = {"bare": run_bare, "project": run_project}


def warm_up() -> None:
    """Import and exercise both methods once so that import cost is not timed."""
    html = (
        "<html><body><article><p>"
        + "Warm up sentence for the benchmark. " * 20
        + "</p></article></body></html>"
    )
    for fn in METHODS.values():
        fn(html)


def timed(fn, html: str) -> tuple[str, float]:
    t0 = time.process_time()
    try:
        out = fn(html)
    except Exception as exc:  # a crash is a result, not a reason to stop the benchmark
        print(f"  ! {fn.__name__}: {type(exc).__name__}: {exc}", file=sys.stderr)
        out = ""
    return out, time.process_time() - t0


# --------------------------------------------------------------------------------------
# WCXB
# --------------------------------------------------------------------------------------


def score_wcxb_page(args: tuple[str, str]) -> dict:
    html_path, gt_path = args
    html = decode_body(gzip.decompress(Path(html_path).read_bytes()), None)
    gt = json.loads(Path(gt_path).read_text(encoding="utf-8"))["ground_truth"]
    with_ = [s for s in gt.get("with") or [] if norm(s)]
    without = [s for s in gt.get("without") or [] if norm(s)]
    row = {"id": Path(gt_path).stem, "n_with": len(with_), "n_without": len(without)}
    row["n_cookie"] = sum(1 for s in without if COOKIE_SNIPPET.search(s))
    for name, fn in METHODS.items():
        text, cpu = timed(fn, html)
        t = norm(text)
        row[name] = {
            "cpu": cpu,
            "found": sum(1 for s in with_ if norm(s) in t),
            "leaked": sum(1 for s in without if norm(s) in t),
            "cookie_leaked": sum(1 for s in without if COOKIE_SNIPPET.search(s) and norm(s) in t),
            "pr": shingle_pr(text, gt.get("main_content") or ""),
            "chars": len(text),
        }
    return row


def aggregate(rows: list[dict], name: str) -> dict:
    n_with = sum(r["n_with"] for r in rows)
    n_without = sum(r["n_without"] for r in rows)
    found = sum(r[name]["found"] for r in rows)
    leaked = sum(r[name]["leaked"] for r in rows)
    prs = [r[name]["pr"] for r in rows if r[name]["pr"] is not None]
    p = sum(x[0] for x in prs) / len(prs) if prs else 0.0
    rc = sum(x[1] for x in prs) / len(prs) if prs else 0.0
    return {
        "pages": len(rows),
        "recall": found / n_with if n_with else 0.0,
        "found": found,
        "n_with": n_with,
        "leak_rate": leaked / n_without if n_without else 0.0,
        "leaked": leaked,
        "n_without": n_without,
        "cookie_leaked": sum(r[name]["cookie_leaked"] for r in rows),
        "n_cookie": sum(r["n_cookie"] for r in rows),
        "precision": p,
        "shingle_recall": rc,
        "f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
        "cpu_ms": 1000 * sum(r[name]["cpu"] for r in rows) / len(rows) if rows else 0.0,
        "empty": sum(1 for r in rows if not r[name]["chars"]),
    }


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def print_wcxb(label: str, rows: list[dict]) -> dict:
    bare, proj = aggregate(rows, "bare"), aggregate(rows, "project")
    print(f"\nWCXB dev — {label}: {len(rows)} pages")
    print(f"{'measure':<34}{'bare trafilatura':>18}{'project clean':>18}{'project/bare':>14}")

    def line(title, b, p, fmt, ratio=True):
        print(f"{title:<34}{fmt(b):>18}{fmt(p):>18}{(_ratio(p, b) if ratio else ''):>14}")

    def frac(v):
        return f"{v:.4f}"

    line("must-contain recall", bare["recall"], proj["recall"], frac)
    line(f"  found (of {bare['n_with']})", bare["found"], proj["found"], str, ratio=False)
    line("boilerplate leak rate", bare["leak_rate"], proj["leak_rate"], frac)
    line(f"  leaked (of {bare['n_without']})", bare["leaked"], proj["leaked"], str, ratio=False)
    line(
        f"cookie/consent leaked (of {bare['n_cookie']})",
        bare["cookie_leaked"],
        proj["cookie_leaked"],
        str,
        ratio=False,
    )
    line("shingle precision", bare["precision"], proj["precision"], frac)
    line("shingle recall", bare["shingle_recall"], proj["shingle_recall"], frac)
    line("shingle F1", bare["f1"], proj["f1"], frac)
    line("empty outputs", bare["empty"], proj["empty"], str, ratio=False)
    line("CPU ms / page", bare["cpu_ms"], proj["cpu_ms"], lambda v: f"{v:.1f}")
    return {"bare": bare, "project": proj}


def goals(full: dict) -> list[tuple[str, bool, str]]:
    b, p = full["bare"], full["project"]
    return [
        ("cookie/consent leak = 0", p["cookie_leaked"] == 0, f"{p['cookie_leaked']}"),
        (
            "boilerplate leak <= half of bare",
            p["leak_rate"] <= b["leak_rate"] / 2,
            f"{p['leak_rate']:.4f} vs limit {b['leak_rate'] / 2:.4f}",
        ),
        (
            "must-contain recall >= bare",
            p["recall"] >= b["recall"],
            f"{p['recall']:.4f} vs {b['recall']:.4f}",
        ),
    ]


def bench_wcxb(root: Path, limit: int | None, jobs: int) -> dict | None:
    html_dir, gt_dir = root / "html", root / "ground-truth"
    if not html_dir.is_dir():
        print(f"skip WCXB: {html_dir} not found")
        return None
    pairs = []
    for gt in sorted(gt_dir.glob("*.json")):
        page = html_dir / f"{gt.stem}.html.gz"
        if page.exists():
            pairs.append((str(page), str(gt)))
    if limit:
        pairs = pairs[:limit]
    t0 = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(jobs, initializer=warm_up) as pool:
            rows = list(pool.map(score_wcxb_page, pairs, chunksize=8))
    else:
        warm_up()
        rows = [score_wcxb_page(p) for p in pairs]
    wall = time.perf_counter() - t0
    out = {"all": print_wcxb("all pages", rows)}
    even = [r for r in rows if int(r["id"]) % 2 == 0]
    odd = [r for r in rows if int(r["id"]) % 2 == 1]
    out["even"] = print_wcxb("even-numbered half (development)", even)
    out["odd"] = print_wcxb("odd-numbered half (held out)", odd)
    print(f"\n(wall {wall:.0f} s with {jobs} process(es); CPU times above are per call)")
    print("\nGoals (all pages):")
    for title, ok, detail in goals(out["all"]):
        print(f"  [{'met' if ok else 'NOT MET'}] {title}: {detail}")
    out["goals"] = [{"goal": g, "met": ok, "detail": d} for g, ok, d in goals(out["all"])]
    out["rows"] = rows
    return out


# --------------------------------------------------------------------------------------
# government pages
# --------------------------------------------------------------------------------------

# Known pairs: two statement pages that differ in bytes but not in content (shared README).
KNOWN_SAME_CONTENT = [("mfa/cf70e7349e4f19db.html", "mfa/dad9272a52869cef.html")]


def chrome_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and CHROME_LINE.match(ln.strip())]


def bench_government(root: Path) -> dict | None:
    if not root.is_dir():
        print(f"skip government pages: {root} not found")
        return None
    pages = sorted(root.glob("*/*.html"))
    by_bytes: dict[str, list[str]] = {}
    texts: dict[str, dict[str, str]] = {m: {} for m in METHODS}
    cpu = {m: 0.0 for m in METHODS}
    for page in pages:
        body = page.read_bytes()
        rel = str(page.relative_to(root))
        by_bytes.setdefault(content_hash(body.decode("latin-1")), []).append(rel)
        html = decode_body(body, None)
        for name, fn in METHODS.items():
            text, t = timed(fn, html)
            texts[name][rel] = text
            cpu[name] += t
    pairs = list(KNOWN_SAME_CONTENT)
    pairs += [(g[0], other) for g in by_bytes.values() if len(g) > 1 for other in g[1:]]
    pairs = [(a, b) for a, b in pairs if a in texts["bare"] and b in texts["bare"]]
    print(f"\nGovernment pages: {len(pages)} HTML pages, {len(pairs)} known duplicate pairs")
    print(f"{'measure':<40}{'bare trafilatura':>18}{'project clean':>18}")
    result = {}
    for name in METHODS:
        t = texts[name]
        flagged = {rel: chrome_lines(x) for rel, x in t.items()}
        result[name] = {
            "non_empty": sum(1 for x in t.values() if x.strip()),
            "pairs_equal": sum(1 for a, b in pairs if content_hash(t[a]) == content_hash(t[b])),
            "chrome_lines": sum(len(v) for v in flagged.values()),
            "pages_with_chrome": sum(1 for v in flagged.values() if v),
            "cpu_ms": 1000 * cpu[name] / len(pages) if pages else 0.0,
            "flagged": {k: v for k, v in flagged.items() if v},
        }
    b, p = result["bare"], result["project"]
    n = len(pages)
    rows = [
        (f"non-empty text (of {n})", b["non_empty"], p["non_empty"]),
        (f"duplicate pairs hash equal (of {len(pairs)})", b["pairs_equal"], p["pairs_equal"]),
        ("chrome lines detected", b["chrome_lines"], p["chrome_lines"]),
        ("pages with a chrome line", b["pages_with_chrome"], p["pages_with_chrome"]),
        ("CPU ms / page", f"{b['cpu_ms']:.1f}", f"{p['cpu_ms']:.1f}"),
    ]
    for title, bv, pv in rows:
        print(f"{title:<40}{bv!s:>18}{pv!s:>18}")
    for rel, lines in sorted(p["flagged"].items()):
        for ln in lines[:3]:
            print(f"  project chrome line in {rel}: {ln[:100]!r}")
    return result


# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N WCXB pages only")
    ap.add_argument("--shared", type=Path, default=None, help="the shared reference folder")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (CPU times are per call)")
    ap.add_argument(
        "--json", action="store_true", help="also write bench/results/clean_quality.json"
    )
    args = ap.parse_args(argv)
    shared = args.shared or Path(os.environ.get("READOUT_SHARED") or ROOT.parent / "shared")
    corpora = shared / "corpora"
    if not corpora.is_dir():
        print(f"skip: shared reference data not found at {shared} (set READOUT_SHARED or --shared)")
        return 0
    import trafilatura

    from readout_pipeline.clean import PARSER_VERSION

    print(f"trafilatura {trafilatura.__version__}, project cleaning {PARSER_VERSION}")
    results = {
        "parser_version": PARSER_VERSION,
        "trafilatura": trafilatura.__version__,
        "wcxb": bench_wcxb(corpora / "wcxb-dev", args.limit, args.jobs),
        "government": bench_government(corpora / "government-pages"),
    }
    if args.json:
        out = ROOT / "bench" / "results" / "clean_quality.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
