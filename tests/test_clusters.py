"""Near-duplicate clusters and document types in a throwaway warehouse."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from readout_pipeline import clusters, neardup, warehouse
from readout_pipeline.clean import CleanDoc
from readout_pipeline.config import Settings
from readout_pipeline.fingerprint import content_hash, doc_id_for
from readout_pipeline.pages import DOC, ParsedPage, RawPage

FIXTURES = Path(__file__).parent / "fixtures" / "neardup"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def page(url: str, text: str, title: str = "Readout", source: str = "src-a", published: date | None = None) -> ParsedPage:
    raw = RawPage(url=url, fetch_url=url, source_id=source, raw_sha256="0" * 64, content_type="text/html",
                  charset="utf-8", fetched_at=T0, body=b"", size=100)
    doc = CleanDoc(title=title, text=text, published_date=published, author=None, sitename=None,
                   language="en", canonical_url=None)
    digest = content_hash(text)
    return ParsedPage(raw, DOC, doc=doc, content_hash=digest, doc_id=doc_id_for(digest))


@pytest.fixture
def con(tmp_path):
    with warehouse.WorkingDB(Settings(warehouse_dir=tmp_path / "wh")) as wdb:
        warehouse.start_run(wdb.con, "run-1", "test", {})
        yield wdb.con


def members(con) -> dict[str, tuple[str, float, str]]:
    return {d: (c, s, m) for d, c, s, m in con.execute(
        "SELECT doc_id, cluster_id, similarity, method FROM cluster_members").fetchall()}


def test_schema_has_comments_and_doc_type(con):
    for table in ("document_fingerprints", "fingerprint_buckets", "duplicate_clusters", "cluster_members"):
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0]
        uncommented = con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND comment IS NULL", [table]).fetchall()
        assert uncommented == []
    assert con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'documents' AND column_name = 'doc_type'").fetchone()[0]


def test_republication_joins_the_cluster_and_a_different_call_does_not(con):
    a = page("https://a.example/call", fixture("call_a.txt"), published=date(2025, 3, 1))
    rep = page("https://b.example/repost", fixture("call_a_republished.txt"), source="src-b", published=date(2025, 3, 2))
    other = page("https://a.example/call-2", fixture("call_b_same_office.txt"), published=date(2025, 3, 1))
    warehouse.load_pages(con, "run-1", [a, other])
    counts = clusters.update_clusters(con, "run-1")
    assert counts == {"n_fingerprinted": 2, "n_new_clusters": 2, "n_joined": 0, "n_clusters_updated": 2}
    warehouse.load_pages(con, "run-2", [rep])  # a later run, another publisher
    counts = clusters.update_clusters(con, "run-2")
    assert counts["n_fingerprinted"] == 1 and counts["n_joined"] == 1 and counts["n_new_clusters"] == 0
    m = members(con)
    assert m[a.doc_id] == (a.doc_id, 1.0, "self")
    assert m[rep.doc_id][0] == a.doc_id and m[rep.doc_id][2] == "minhash"
    assert neardup.DEFAULT_THRESHOLD <= m[rep.doc_id][1] < 1.0
    assert m[other.doc_id][0] == other.doc_id  # same office, same boilerplate, different statement
    # Every copy keeps its own documents row and URL.
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM document_urls").fetchone()[0] == 3
    row = con.execute("SELECT canonical_doc_id, n_documents, first_published, run_id FROM duplicate_clusters "
                      "WHERE cluster_id = ?", [a.doc_id]).fetchone()
    assert row == (a.doc_id, 2, date(2025, 3, 1), "run-2")
    dupes = con.execute("SELECT cluster_id, count(*) FROM cluster_members GROUP BY ALL HAVING count(*) > 1").fetchall()
    assert dupes == [(a.doc_id, 2)]
    # Idempotent: nothing left to fingerprint.
    assert clusters.update_clusters(con, "run-3")["n_fingerprinted"] == 0
    assert con.execute("SELECT count(*) FROM document_fingerprints").fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM fingerprint_buckets").fetchone()[0] == 3 * neardup.LSH_BANDS


def test_canonical_is_the_earliest_published_even_if_seen_later(con):
    late = page("https://b.example/repost", fixture("call_a_republished.txt"), published=date(2025, 3, 5))
    warehouse.load_pages(con, "run-1", [late])
    clusters.update_clusters(con, "run-1")
    early = page("https://a.example/call", fixture("call_a.txt"), published=date(2025, 3, 1))
    warehouse.load_pages(con, "run-2", [early])
    clusters.update_clusters(con, "run-2")
    cluster_id, canonical, n = con.execute(
        "SELECT cluster_id, canonical_doc_id, n_documents FROM duplicate_clusters").fetchone()
    assert (cluster_id, canonical, n) == (late.doc_id, early.doc_id, 2)  # id stays, canonical moves
    m = members(con)
    assert m[early.doc_id][1] == 1.0 and m[late.doc_id][1] < 1.0


def test_same_run_documents_cluster_with_each_other_deterministically(con, tmp_path):
    pages = [
        page("https://a.example/call", fixture("call_a.txt")),
        page("https://b.example/repost", fixture("call_a_republished.txt"), source="src-b"),
        page("https://a.example/other", fixture("call_b_same_office.txt")),
    ]
    warehouse.load_pages(con, "run-1", pages)
    counts = clusters.update_clusters(con, "run-1")
    assert counts["n_new_clusters"] == 2 and counts["n_joined"] == 1
    first = sorted(members(con).items())
    with warehouse.WorkingDB(Settings(warehouse_dir=tmp_path / "wh2")) as other_db:
        warehouse.load_pages(other_db.con, "run-1", pages)
        clusters.update_clusters(other_db.con, "run-1")
        assert sorted(members(other_db.con).items()) == first


def test_edited_version_at_the_same_url_joins_the_cluster(con):
    text = fixture("call_a.txt")
    v1 = page("https://a.example/call", text)
    warehouse.load_pages(con, "run-1", [v1])
    clusters.update_clusters(con, "run-1")
    v2 = page("https://a.example/call", text.replace("in the autumn", "in October in Madrid"))
    warehouse.load_pages(con, "run-2", [replace(v2, raw=replace(v2.raw, raw_sha256="1" * 64))])
    clusters.update_clusters(con, "run-2")
    m = members(con)
    assert m[v2.doc_id][0] == m[v1.doc_id][0]
    versions = con.execute("SELECT count(*) FROM document_versions WHERE url = 'https://a.example/call'").fetchone()[0]
    assert versions == 2


def test_update_doc_types_fills_only_missing(con):
    warehouse.load_pages(con, "run-1", [
        page("https://a.example/call", fixture("call_a.txt"), title="Secretary Blinken’s Call with Foreign Minister Varga"),
        page("https://a.example/trip", "The Secretary will travel to Rome and Madrid next week.", title="Secretary Blinken’s Travel to Italy"),
    ])
    assert clusters.update_doc_types(con, "run-1") == 2
    types = dict(con.execute("SELECT first_url, doc_type FROM documents").fetchall())
    assert types == {"https://a.example/call": "call_readout", "https://a.example/trip": "travel"}
    con.execute("UPDATE documents SET doc_type = 'other' WHERE first_url = 'https://a.example/trip'")
    assert clusters.update_doc_types(con, "run-2") == 0
    assert con.execute("SELECT doc_type FROM documents WHERE first_url = 'https://a.example/trip'").fetchone()[0] == "other"


def test_doc_types_are_set_a_batch_at_a_time(con):
    warehouse.load_pages(con, "run-1", [
        page(f"https://a.example/trip-{n}", f"The Secretary will travel to Rome on day {n}.", title="Travel to Italy")
        for n in range(5)
    ])
    calls = []
    original = con.execute

    class Spy:  # counts the page queries; everything else goes to the connection
        def __getattr__(self, name):
            return getattr(con, name)

        def execute(self, query, *args):
            if "doc_type IS NULL AND doc_id > ?" in query:
                calls.append(args[0][1])
            return original(query, *args)

    assert clusters.update_doc_types(Spy(), "run-1", batch_size=2) == 5
    assert calls == [2, 2, 2, 2]  # pages of 2, 2, 1, then an empty one
    assert con.execute("SELECT count(*) FROM documents WHERE doc_type = 'travel'").fetchone()[0] == 5


def test_small_batches_give_the_same_clusters(con, tmp_path):
    pages = [
        page("https://a.example/call", fixture("call_a.txt")),
        page("https://b.example/repost", fixture("call_a_republished.txt"), source="src-b"),
        page("https://a.example/other", fixture("call_b_same_office.txt")),
    ]
    warehouse.load_pages(con, "run-1", pages)
    clusters.update_clusters(con, "run-1")
    with warehouse.WorkingDB(Settings(warehouse_dir=tmp_path / "wh3")) as other_db:
        warehouse.load_pages(other_db.con, "run-1", pages)
        counts = clusters.update_clusters(other_db.con, "run-1", batch_size=1)
        assert counts["n_fingerprinted"] == 3 and counts["n_joined"] == 1
        assert sorted(members(other_db.con).items()) == sorted(members(con).items())


def test_a_cluster_grown_a_document_per_run_matches_one_built_at_once(con, tmp_path):
    """Members keep their row while the canonical document stays, and are all measured again
    against a new canonical document when an earlier-published one joins."""
    base = fixture("call_a.txt")
    days = [10, 11, 8, 13, 6, 15]  # the third and the fifth document move the canonical document
    docs = [page(f"https://s{i}.example/call", f"{base} Statement number {i} of office {i}.", source=f"src-{i}",
                 published=date(2025, 3, day)) for i, day in enumerate(days)]
    written_by: dict[str, list[str]] = {}
    for i, doc in enumerate(docs):
        warehouse.load_pages(con, f"run-{i}", [doc])
        clusters.update_clusters(con, f"run-{i}")
        written_by[f"run-{i}"] = sorted(d for d, r in con.execute(
            "SELECT doc_id, run_id FROM cluster_members").fetchall() if r == f"run-{i}")
    ids = [d.doc_id for d in docs]
    assert written_by["run-1"] == [ids[1]]  # the founder stays canonical: its row stands
    assert written_by["run-2"] == sorted(ids[:3])  # new canonical: every member measured again
    assert written_by["run-3"] == [ids[3]]  # same canonical: only the new member is written
    assert written_by["run-4"] == sorted(ids[:5])
    assert written_by["run-5"] == [ids[5]]
    assert con.execute("SELECT cluster_id, canonical_doc_id, n_documents FROM duplicate_clusters").fetchall() == [
        (ids[0], ids[4], 6)]
    with warehouse.WorkingDB(Settings(warehouse_dir=tmp_path / "at-once")) as other_db:
        warehouse.load_pages(other_db.con, "run-1", docs)
        clusters.update_clusters(other_db.con, "run-1")
        at_once = members(other_db.con)
        assert other_db.con.execute("SELECT canonical_doc_id, n_documents FROM duplicate_clusters").fetchall() == [
            (ids[4], 6)]
    # (The founder differs: one batch takes documents seen at the same time in doc_id order.)
    assert {d: sim for d, (_c, sim, _m) in at_once.items()} == {d: sim for d, (_c, sim, _m) in members(con).items()}
    assert members(con)[ids[4]][1] == 1.0 and all(0.8 < sim < 1.0 for d, (_c, sim, _m) in members(con).items()
                                                  if d != ids[4])
