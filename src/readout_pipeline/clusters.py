"""Near-duplicate clusters and document types in the warehouse (I/O over a DuckDB connection).

``update_clusters(con, run_id)`` fingerprints the documents that have no fingerprint (of the
current ``neardup.FINGERPRINT_VERSION``), finds their candidates by an equality join on LSH
buckets (``fingerprint_buckets``: never a comparison of every pair), verifies each candidate by
the exact Jaccard similarity of the 5-word shingles, and puts each new document in the cluster of
its most similar already-clustered document when that similarity reaches the threshold, or in a
new cluster of its own. Documents are taken oldest first (first_seen_at, doc_id), so results are
deterministic and a document fingerprinted in the same run can be matched by the next one.
Clusters persist across sources and runs; a cluster's id is the doc_id that founded it, and its
canonical document is the earliest published (then first seen, then smallest doc_id).
Clusters are never merged: a document similar to two clusters joins the more similar one.

``update_doc_types(con, run_id)`` fills ``documents.doc_type`` where it is NULL with
``doctype.classify``.

All SQL is in ``sql/load/clusters_*.sql`` and ``sql/load/doctype_*.sql``; values are bound.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime

import duckdb

from . import doctype, neardup
from .analyze import Analysis
from .warehouse import JOIN_FILTER_KEYS, params, sql, transaction

__all__ = ["update_clusters", "update_doc_types"]

_FAR_FUTURE = date.max


def _canonical_key(row: tuple) -> tuple:
    doc_id, published, first_seen = row
    return (published or _FAR_FUTURE, first_seen or datetime.max.replace(tzinfo=UTC), doc_id)


BATCH_SIZE = 2000  # documents fingerprinted and clustered per transaction
# A batch's texts are read by a join on its doc_ids, which filters the scan only up to this many keys.
assert BATCH_SIZE <= JOIN_FILTER_KEYS


def update_clusters(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    threshold: float = neardup.DEFAULT_THRESHOLD,
    batch_size: int = BATCH_SIZE,
    analyses: Mapping[str, Analysis] | None = None,
) -> dict[str, int]:
    """Fingerprint and cluster the documents that lack a fingerprint, oldest first, in batches
    (one transaction each). A fingerprint the cleaning workers computed (`analyses`, by doc_id)
    is used as it is. Returns counts: n_fingerprinted, n_new_clusters, n_joined (documents
    that joined a cluster as near-duplicates), n_clusters_updated (cluster rows written)."""
    counts = {"n_fingerprinted": 0, "n_new_clusters": 0, "n_joined": 0, "n_clusters_updated": 0}
    while True:
        rows = con.execute(
            sql("load/clusters_unfingerprinted.sql"), [neardup.FINGERPRINT_VERSION, batch_size]
        ).fetchall()
        if not rows:
            return counts
        for key, value in _cluster_batch(con, run_id, rows, threshold, analyses or {}).items():
            counts[key] += value


class _Shingles(dict):
    """Shingle sets by doc_id, computed from a text on first use: only documents that have LSH
    candidates (and the members of touched clusters) are ever compared."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__()
        self.texts = texts

    def __missing__(self, doc_id: str) -> frozenset[int]:
        value = self[doc_id] = neardup.shingles(self.texts[doc_id])
        return value


def _cluster_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    rows: list[tuple[str, str]],
    threshold: float,
    analyses: Mapping[str, Analysis],
) -> dict[str, int]:
    version = neardup.FINGERPRINT_VERSION
    counts = {"n_fingerprinted": 0, "n_new_clusters": 0, "n_joined": 0, "n_clusters_updated": 0}
    order = [doc_id for doc_id, _ in rows]
    shingle_cache = _Shingles(dict(rows))
    fps = {}
    for doc_id, text in rows:
        done_before = analyses.get(doc_id)
        if done_before is not None and done_before.fingerprint_version == version:
            fps[doc_id] = done_before.fingerprint
        else:
            fps[doc_id] = neardup.fingerprint(text)

    with transaction(con):
        con.execute(sql("load/clusters_delete_fingerprints.sql"), params(order))
        con.execute(sql("load/clusters_delete_buckets.sql"), params(order))
        con.execute(
            sql("load/clusters_insert_fingerprints.sql"),
            params(order, [fps[d].simhash for d in order], [fps[d].minhash for d in order],
                   [fps[d].n_shingles for d in order], version, run_id),
        )
        b_doc, b_band, b_bucket = [], [], []
        for d in order:
            for band, bucket in enumerate(fps[d].buckets):
                b_doc.append(d)
                b_band.append(band)
                b_bucket.append(bucket)
        con.execute(sql("load/clusters_insert_buckets.sql"), params(b_doc, b_band, b_bucket))

        candidates: dict[str, list[str]] = defaultdict(list)
        for doc_id, cand in con.execute(sql("load/clusters_candidates.sql"), params(order)).fetchall():
            candidates[doc_id].append(cand)
        all_cands = sorted({c for cs in candidates.values() for c in cs})
        cluster_of: dict[str, str] = dict(
            con.execute(sql("load/clusters_member_of.sql"), params(all_cands + order)).fetchall()
        )
        # Documents being (re)fingerprinted lose their old assignment only if they get a new one below.
        position = {d: i for i, d in enumerate(order)}
        earlier = _similarities_to_earlier_documents(con, candidates, shingle_cache, cluster_of)

        assigned: dict[str, tuple[str, str]] = {}  # doc_id -> (cluster_id, method)
        touched: set[str] = set()
        for doc_id in order:
            if doc_id in cluster_of and doc_id not in assigned:
                # Re-fingerprinted (new fingerprint version): keep its cluster.
                continue
            best: tuple[float, str] | None = None
            for cand in candidates.get(doc_id, ()):
                if cand in position and position[cand] >= position[doc_id]:
                    continue  # not clustered yet (later in this batch)
                if cand not in cluster_of:
                    continue
                if cand in position:
                    sim = neardup.jaccard(shingle_cache[doc_id], shingle_cache[cand])
                else:
                    sim = earlier[doc_id, cand]
                if sim >= threshold and (best is None or sim > best[0]):  # ties: smallest doc_id
                    best = (sim, cand)
            if best is None:
                cluster_of[doc_id] = doc_id
                assigned[doc_id] = (doc_id, "self")
                counts["n_new_clusters"] += 1
            else:
                sim, match = best
                cluster_of[doc_id] = cluster_of[match]
                assigned[doc_id] = (cluster_of[match], "exact" if sim == 1.0 else "minhash")  # 1.0: same shingles
                counts["n_joined"] += 1
            touched.add(cluster_of[doc_id])
        counts["n_fingerprinted"] = len(order)
        if touched:
            _rewrite_clusters(con, run_id, sorted(touched), assigned, shingle_cache)
            counts["n_clusters_updated"] = len(touched)
    return counts


def _similarities_to_earlier_documents(
    con: duckdb.DuckDBPyConnection,
    candidates: Mapping[str, list[str]],
    shingle_cache: _Shingles,
    cluster_of: Mapping[str, str],
) -> dict[tuple[str, str], float]:
    """Jaccard similarity of each batch document to each of its clustered candidates from earlier
    batches, by (doc_id, candidate). Each candidate's text is read and shingled once and let go:
    the batch holds one earlier document's shingles at a time, however many near-duplicates the
    warehouse already has."""
    wanted: dict[str, list[str]] = defaultdict(list)  # earlier candidate -> batch documents
    for doc_id, cands in candidates.items():
        for cand in cands:
            if cand not in shingle_cache.texts and cand in cluster_of:
                wanted[cand].append(doc_id)
    sims: dict[tuple[str, str], float] = {}
    for cand, text in _texts(con, sorted(wanted)):
        cand_shingles = neardup.shingles(text)
        for doc_id in wanted[cand]:
            sims[doc_id, cand] = neardup.jaccard(shingle_cache[doc_id], cand_shingles)
    return sims


def _texts(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> Iterator[tuple[str, str]]:
    """(doc_id, text) of the given documents, fetched a few hundred at a time (consume it before
    the connection runs anything else)."""
    if not doc_ids:
        return
    result = con.execute(sql("load/texts_for_doc_ids.sql"), params(doc_ids))
    while rows := result.fetchmany(256):
        yield from rows


def _rewrite_clusters(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    cluster_ids: list[str],
    assigned: dict[str, tuple[str, str]],
    shingle_cache: _Shingles,
) -> None:
    """Choose the canonical document of each touched cluster, and write its row and the rows of
    the members whose similarity to the canonical document is new: the documents that joined, or
    every member when the canonical document changed. Texts are read only for those (and for the
    canonical documents they are compared with), so a document joining a large cluster does not
    read the whole cluster."""
    members: dict[str, dict[str, tuple[float | None, str]]] = defaultdict(dict)  # cluster -> doc -> (sim, method)
    for cluster_id, doc_id, sim, method in con.execute(
        sql("load/clusters_members_of_clusters.sql"), params(cluster_ids)
    ).fetchall():
        members[cluster_id][doc_id] = (sim, method)
    for doc_id, (cluster_id, method) in assigned.items():
        members[cluster_id][doc_id] = (None, method)
    previous = dict(con.execute(sql("load/clusters_canonical_of.sql"), params(cluster_ids)).fetchall())
    all_docs = sorted({d for m in members.values() for d in m})
    dates = {r[0]: r for r in con.execute(sql("load/clusters_doc_dates.sql"), params(all_docs)).fetchall()}

    c_ids, c_canon, c_n, c_first = [], [], [], []
    to_measure: dict[str, list[str]] = {}  # canonical -> members whose similarity to it is needed
    m_doc, m_cluster, m_sim, m_method = [], [], [], []
    for cluster_id in cluster_ids:
        group = [dates[d] for d in sorted(members[cluster_id]) if d in dates]
        if not group:
            continue
        canonical = min(group, key=_canonical_key)[0]
        published = [r[1] for r in group if r[1] is not None]
        c_ids.append(cluster_id)
        c_canon.append(canonical)
        c_n.append(len(group))
        c_first.append(min(published) if published else None)
        same_canonical = previous.get(cluster_id) == canonical
        for doc_id, *_ in group:
            stored, method = members[cluster_id][doc_id]
            if same_canonical and stored is not None:
                continue  # its row stands
            m_doc.append(doc_id)
            m_cluster.append(cluster_id)
            m_method.append(method)
            m_sim.append(1.0 if doc_id == canonical else None)
            if doc_id != canonical:
                to_measure.setdefault(canonical, []).append(doc_id)
    if to_measure:
        needed = {d for canonical, docs in to_measure.items() for d in (canonical, *docs)}
        texts = dict(_texts(con, sorted(d for d in needed if d not in shingle_cache.texts)))
        sim_of: dict[str, float] = {}
        for canonical, docs in to_measure.items():
            canonical_shingles = _shingles_of(canonical, shingle_cache, texts)
            for doc_id in docs:
                sim_of[doc_id] = round(neardup.jaccard(_shingles_of(doc_id, shingle_cache, texts), canonical_shingles), 6)
        m_sim = [sim_of[d] if sim is None else sim for d, sim in zip(m_doc, m_sim, strict=True)]
    con.execute(sql("load/clusters_upsert_clusters.sql"), params(c_ids, c_canon, c_n, c_first, datetime.now(UTC), run_id))
    if m_doc:
        con.execute(sql("load/clusters_upsert_members.sql"), params(m_doc, m_cluster, m_sim, m_method, run_id))


def _shingles_of(doc_id: str, shingle_cache: _Shingles, texts: Mapping[str, str]) -> frozenset[int]:
    """A batch document's cached shingles, or an earlier document's from its text (not kept)."""
    if doc_id in shingle_cache.texts:
        return shingle_cache[doc_id]
    return neardup.shingles(texts[doc_id])


def update_doc_types(
    con: duckdb.DuckDBPyConnection, run_id: str, analyses: Mapping[str, Analysis] | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Set documents.doc_type where it is NULL (from `analyses` when one fits the stored document),
    `batch_size` documents per transaction (a reparse types every document: their texts are never all
    in memory at once); returns how many were set. (documents.run_id keeps meaning "the run that added
    it", so `run_id` is not written here.)"""
    analyses = analyses or {}
    n, after = 0, ""
    while rows := con.execute(sql("load/doctype_missing.sql"), [after, batch_size]).fetchall():
        ids = [r[0] for r in rows]
        types = []
        for doc_id, title, text, published in rows:
            done_before = analyses.get(doc_id)
            fits = done_before is not None and done_before.fits(title, published)
            types.append(done_before.doc_type if fits else doctype.classify(title, text))
        with transaction(con):
            con.execute(sql("load/doctype_update.sql"), params(ids, types))
        n, after = n + len(ids), ids[-1]
    return n
