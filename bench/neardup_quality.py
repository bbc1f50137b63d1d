"""Near-duplicate detection quality on the real state.gov press-release feed (issue 4, part 2).

Reads ../shared/corpora/state-gov-press-rss-2022 (or $READOUT_SHARED/corpora/...), renders every
distinct item version as a page (readout_pipeline.replay.render_page), cleans it with
clean.clean_html, and measures, for a range of thresholds on the exact shingle Jaccard similarity
(and on SimHash Hamming distance, for comparison):

- positives: (a) the edited versions of the same link; (b) synthetic republications of a seeded
  sample of items: another publisher's chrome, a preface ("Office of the Spokesperson", "The
  following statement was released by ...", "Begin text:" / "End text."), a press-contact block
  appended, one or two words changed, sometimes the last paragraph dropped;
- negatives: every pair of different items (different links), and among them the pairs of
  readouts of different calls/meetings from the same office (same creator, "... Call with ..."
  titles), which share the most boilerplate.

Detection = the pair shares an LSH bucket (the candidate search clusters.py uses) AND the
similarity is at or above the threshold. Prints precision, recall, false merges and the cost per
document. Usage: .venv/bin/python bench/neardup_quality.py [--sample 300] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from itertools import combinations
from pathlib import Path

from readout_pipeline import clean, neardup
from readout_pipeline.replay import FeedItem, load_snapshots, render_page

CORPUS = "corpora/state-gov-press-rss-2022"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
HAMMING = (3, 6, 10, 14, 18)
# Same link, different statement: the feed reused this URL for a later press availability
# (Bali, 2022-07-09 -> Washington, 2022-07-27). Measured, not a near-duplicate: reported apart.
URL_REUSED = {"https://www.state.gov/secretary-antony-j-blinken-at-a-press-availability-21/"}
# Pairs of different links that are the same statement (read and adjudicated by hand from the
# --list-above output): the publisher re-posted it at a new URL ("-2" slug, corrected title, or a
# revised travel announcement). They count as positives ("re-posted"), not as false merges.
SAME_STATEMENT = {
    frozenset({"https://www.state.gov/secretary-antony-j-blinken-and-moldovan-foreign-minister-natalia-gavrilita-before-their-meeting/",
               "https://www.state.gov/secretary-antony-j-blinken-and-moldovan-prime-minister-natalia-gavrilita-before-their-meeting/"}),
    frozenset({"https://www.state.gov/secretary-blinkens-meeting-with-un-personal-envoy-of-the-secretary-general-for-western-sahara-staffan-de-mistura-2/",
               "https://www.state.gov/secretary-blinkens-meeting-with-un-personal-envoy-of-the-secretary-general-for-western-sahara-staffan-de-mistura/"}),
    frozenset({"https://www.state.gov/secretary-blinkens-meeting-with-ivoirian-prime-minister-achi-2/",
               "https://www.state.gov/secretary-blinkens-meeting-with-ivoirian-prime-minister-achi/"}),
    frozenset({"https://www.state.gov/special-presidential-envoy-for-climate-kerrys-travel-to-egypt-2/",
               "https://www.state.gov/special-presidential-envoy-for-climate-kerrys-travel-to-egypt/"}),
    frozenset({"https://www.state.gov/deputy-secretary-shermans-travel-to-turkey-spain-morocco-algeria-and-egypt/",
               "https://www.state.gov/deputy-secretary-shermans-travel-to-turkey-spain-morocco-and-algeria/"}),
    frozenset({"https://www.state.gov/secretary-blinkens-travel-to-bali-and-bangkok/",
               "https://www.state.gov/secretary-blinkens-travel-to-bali-bangkok-and-tokyo/"}),
}
READOUT_TITLE = re.compile(r"\b(call|calls|meeting|meets|met|speaks|spoke)\b.*\bwith\b", re.I)


def shared_dir() -> Path | None:
    root = Path(os.environ.get("READOUT_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    return root if (root / CORPUS / "snapshots").is_dir() else None


# ---------------------------------------------------------------- synthetic republications

PREFACES = (
    "<p>Office of the Spokesperson</p>",
    "<p><strong>MEDIA NOTE</strong></p>\n<p>Office of the Spokesperson</p>",
    "<p>The following statement was released by the Governments of the United States and {country}.</p>\n<p>Begin text:</p>",
    "<p>The following joint statement was released by the Ministry of Foreign Affairs of {country}.</p>",
    "<p>Press release</p>\n<p>Embassy of the United States in {country}</p>",
)
COUNTRIES = ("Norway", "Japan", "Ghana", "Chile", "Poland", "India", "Kenya", "Canada")
CONTACT = (
    "<p>Press contacts</p>\n<p>Media Relations Office</p>\n<p>Jane Doe, Press Officer</p>\n"
    "<p>press@{slug}.example</p>\n<p>+1 202 555 0100</p>"
)
SWAPS = ("today", "also", "further", "again", "jointly", "firmly")


def republish(item: FeedItem, rng: random.Random, others: list[str]) -> str:
    """The item as another publisher would repost it (a full HTML page)."""
    country = rng.choice(COUNTRIES)
    preface = rng.choice(PREFACES).format(country=country)
    body = item.body_html
    parts = re.split(r"(<[^>]+>)", body)
    # One or two words changed inside text (never inside tags).
    for _ in range(rng.choice((1, 2))):
        texts = [i for i, p in enumerate(parts) if not p.startswith("<") and re.search(r"\b[a-z]{5,}\b", p)]
        if not texts:
            break
        i = rng.choice(texts)
        words = list(re.finditer(r"\b[a-z]{5,}\b", parts[i]))
        m = rng.choice(words)
        parts[i] = parts[i][: m.start()] + rng.choice(SWAPS) + parts[i][m.end() :]
    body = "".join(parts)
    if rng.random() < 0.3:  # a small cut: the last paragraph dropped
        paras = body.split("</p>")
        if len(paras) > 4:
            body = "</p>".join(paras[:-2] + paras[-1:])
    end = "<p>End text.</p>" if "Begin text" in preface else ""
    contact = CONTACT.format(slug=country.lower()) if rng.random() < 0.7 else ""
    related = "".join(f"<li><a href='/news/{n}'>{t}</a></li>" for n, t in enumerate(others))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{item.title} | Ministry of Foreign Affairs of {country}</title></head>
<body><div id="top"><a href="/">Ministry of Foreign Affairs of {country}</a>
<ul class="menu"><li><a href="/en/news">News</a></li><li><a href="/en/minister">The Minister</a></li>
<li><a href="/en/embassies">Embassies</a></li></ul>
<form><input name="q" placeholder="Search"></form></div>
<div class="consent">We use cookies. By continuing to browse you accept our cookie policy. <a href="/cookies">OK</a></div>
<div class="content"><h1>{item.title}</h1>
{preface}
{body}
{end}
{contact}
</div>
<div class="sidebar"><h3>Related news</h3><ul>{related}</ul></div>
<div class="footer">&copy; 2022 Ministry of Foreign Affairs of {country}. All rights reserved.
<a href="/sitemap">Sitemap</a> <a href="/rss">RSS</a></div></body></html>"""


# ---------------------------------------------------------------- cleaning in workers


def _clean(args: tuple[str, str]) -> str:
    html, url = args
    doc = clean.clean_html(html, url)
    return doc.text if doc else ""


def clean_all(pages: list[tuple[str, str]], workers: int) -> list[str]:
    if workers <= 1:
        return [_clean(p) for p in pages]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_clean, pages, chunksize=8))


# ---------------------------------------------------------------- evaluation


def shares_bucket(a: list[int], b: list[int]) -> bool:
    return any(x == y for x, y in zip(a, b, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=300, help="synthetic republications")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--list-above", type=float, default=None, help="list negative pairs above this similarity")
    args = parser.parse_args()
    root = shared_dir()
    if root is None:
        print("skipped: ../shared/corpora/state-gov-press-rss-2022 not found (set READOUT_SHARED)")
        return 0
    t0 = time.perf_counter()
    snapshots = load_snapshots(root / CORPUS)
    versions: dict[str, list[FeedItem]] = defaultdict(list)
    for snap in snapshots:
        for item in snap.items:
            if not versions[item.link] or versions[item.link][-1].body_html != item.body_html:
                versions[item.link].append(item)
    links = sorted(versions)
    firsts = [versions[link][0] for link in links]
    edited = [(link, v) for link in links for v in versions[link][1:]]

    rng = random.Random(args.seed)
    sample = sorted(rng.sample(range(len(firsts)), min(args.sample, len(firsts))))
    synthetic = []
    for i in sample:
        others = [firsts[j].title for j in rng.sample(range(len(firsts)), 6)]
        synthetic.append(republish(firsts[i], rng, others))

    pages = [(render_page(it).decode(), it.link) for it in firsts]
    pages += [(render_page(v).decode(), link) for link, v in edited]
    pages += [(html, "https://mfa.example/news/" + str(i)) for i, html in zip(sample, synthetic, strict=True)]
    texts = clean_all(pages, args.workers)
    t_clean = time.perf_counter() - t0
    n = len(firsts)
    first_texts = texts[:n]
    edited_texts = texts[n : n + len(edited)]
    synth_texts = texts[n + len(edited) :]

    t1 = time.perf_counter()
    shingle_sets = [neardup.shingles(t) for t in first_texts]
    fps = [neardup.fingerprint(t) for t in first_texts]
    t_fp = (time.perf_counter() - t1) / n

    # Positive pairs: (similarity, simhash distance, lsh candidate, label)
    positives: list[tuple[float, int, bool, str]] = []
    reused: list[tuple[str, float]] = []
    for (link, _v), text in zip(edited, edited_texts, strict=True):
        i = links.index(link)
        if text == first_texts[i]:
            continue  # markup-only edit: same cleaned text, exact dedup handles it
        fp = neardup.fingerprint(text)
        sim = neardup.jaccard(shingle_sets[i], neardup.shingles(text))
        row = (sim, neardup.hamming(fp.simhash, fps[i].simhash), shares_bucket(fp.buckets, fps[i].buckets), "edited version")
        if link in URL_REUSED:
            reused.append((link, sim))
        else:
            positives.append(row)
    n_edited = len(positives)
    for i, text in zip(sample, synth_texts, strict=True):
        fp = neardup.fingerprint(text)
        sim = neardup.jaccard(shingle_sets[i], neardup.shingles(text))
        positives.append((sim, neardup.hamming(fp.simhash, fps[i].simhash), shares_bucket(fp.buckets, fps[i].buckets), "republication"))

    # Negative pairs: every pair of different links.
    readout = [bool(READOUT_TITLE.search(it.title)) for it in firsts]
    negatives: list[tuple[float, int, bool, bool, int, int]] = []
    for i, j in combinations(range(n), 2):
        if not first_texts[i] or not first_texts[j]:
            continue
        sim = neardup.jaccard(shingle_sets[i], shingle_sets[j])
        if frozenset({links[i], links[j]}) in SAME_STATEMENT:
            h = neardup.hamming(fps[i].simhash, fps[j].simhash)
            positives.append((sim, h, shares_bucket(fps[i].buckets, fps[j].buckets), "re-posted"))
            continue
        same_office = readout[i] and readout[j] and firsts[i].creator == firsts[j].creator
        negatives.append((sim, neardup.hamming(fps[i].simhash, fps[j].simhash),
                          shares_bucket(fps[i].buckets, fps[j].buckets), same_office, i, j))
    n_same_office = sum(1 for r in negatives if r[3])
    n_candidates = sum(1 for r in negatives if r[2])

    print(f"corpus: {len(snapshots)} daily snapshots, {n} distinct links, {len(edited)} later versions "
          f"({n_edited} with a changed cleaned text, {len(reused)} URL reused for another statement)")
    n_reposted = len(positives) - n_edited - len(synth_texts)
    print(f"positives: {len(positives)} ({n_edited} edited versions + {n_reposted} re-posted at a new URL (adjudicated) "
          f"+ {len(synth_texts)} synthetic republications); "
          f"negatives: {len(negatives)} pairs of different items, {n_same_office} of them same-office readout pairs")
    print(f"LSH ({neardup.LSH_BANDS} bands x {neardup.LSH_ROWS} rows): {n_candidates} of {len(negatives)} negative pairs "
          f"are candidates; {sum(p[2] for p in positives)} of {len(positives)} positives")
    print()
    print("exact shingle Jaccard (5-word shingles), detected = LSH candidate and similarity >= threshold")
    print(f"{'threshold':>9} {'TP':>5} {'FN':>4} {'FP':>4} {'FP same-office':>15} {'precision':>9} {'recall':>7} {'recall real':>11}")
    for t in THRESHOLDS:
        tp = sum(1 for s, _, c, _ in positives if c and s >= t)
        tp_ed = sum(1 for s, _, c, lbl in positives if c and s >= t and lbl != "republication")
        fp = sum(1 for s, _, c, *_ in negatives if c and s >= t)
        fp_so = sum(1 for s, _, c, so, *_ in negatives if c and s >= t and so)
        prec = tp / (tp + fp) if tp + fp else 1.0
        print(f"{t:>9.2f} {tp:>5} {len(positives) - tp:>4} {fp:>4} {fp_so:>15} {prec:>9.3f} "
              f"{tp / len(positives):>7.3f} {tp_ed:>6}/{n_edited + n_reposted:<4}")
    print()
    print("SimHash (64-bit over the same shingles), detected = Hamming distance <= d (all pairs compared)")
    print(f"{'d':>9} {'TP':>5} {'FN':>4} {'FP':>4} {'FP same-office':>15} {'precision':>9} {'recall':>7}")
    for d in HAMMING:
        tp = sum(1 for _, h, *_ in positives if h <= d)
        fp = sum(1 for _, h, *_ in negatives if h <= d)
        fp_so = sum(1 for _, h, _, so, *_ in negatives if h <= d and so)
        prec = tp / (tp + fp) if tp + fp else 1.0
        print(f"{d:>9} {tp:>5} {len(positives) - tp:>4} {fp:>4} {fp_so:>15} {prec:>9.3f} {tp / len(positives):>7.3f}")
    print()
    sims = sorted(s for s, *_ in positives)
    print(f"positive similarity: min {sims[0]:.3f}, 5th percentile {sims[len(sims) // 20]:.3f}, median {sims[len(sims) // 2]:.3f}")
    top = sorted(negatives, key=lambda r: -r[0])[:8]
    print("most similar different statements (negatives):")
    for sim, h, _c, so, i, j in top:
        print(f"  {sim:.3f} hamming {h:>2} {'same-office ' if so else ''}| {firsts[i].title[:60]} | {firsts[j].title[:60]}")
    if args.list_above is not None:
        print(f"all pairs of different links with similarity >= {args.list_above}:")
        for sim, _h, c, so, i, j in sorted(negatives, key=lambda r: -r[0]):
            if sim < args.list_above:
                break
            print(f"  {sim:.3f} cand={int(c)} so={int(so)} {links[i]} {links[j]}")
    so_max = max((r[0] for r in negatives if r[3]), default=0.0)
    print(f"most similar same-office readout pair: {so_max:.3f}")
    worst = sorted(positives)[:5]
    print("least similar positives:", ", ".join(f"{s:.3f} ({lbl})" for s, _, _, lbl in worst))
    for link, sim in reused:
        print(f"URL reused for another statement (kept apart at any threshold >= {sim + 0.005:.2f}): {sim:.3f} {link}")
    print()
    print(f"chosen threshold (neardup.DEFAULT_THRESHOLD): {neardup.DEFAULT_THRESHOLD}")
    print(f"cost: cleaning {t_clean:.1f} s for {len(pages)} pages ({args.workers} workers); "
          f"fingerprint (shingles + SimHash + MinHash + LSH) {t_fp * 1000:.2f} ms per document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
