-- Near-duplicates (issue 4): fingerprints, LSH buckets, clusters of republished statements, and
-- the document type. Written by readout_pipeline.clusters (update_clusters, update_doc_types).

CREATE TABLE IF NOT EXISTS document_fingerprints (
    doc_id               VARCHAR PRIMARY KEY,
    simhash              UBIGINT NOT NULL,
    minhash              UINTEGER[] NOT NULL,
    n_shingles           INTEGER NOT NULL,
    fingerprint_version  VARCHAR NOT NULL,
    run_id               VARCHAR NOT NULL
);
COMMENT ON TABLE document_fingerprints IS 'Near-duplicate fingerprints of each document text (5-word shingles of the case-folded words).';
COMMENT ON COLUMN document_fingerprints.doc_id IS 'Document fingerprinted (documents.doc_id).';
COMMENT ON COLUMN document_fingerprints.simhash IS '64-bit SimHash of the shingles: similar texts differ in few bits (bit_count(xor)).';
COMMENT ON COLUMN document_fingerprints.minhash IS 'One-permutation MinHash signature (128 unsigned 32-bit slots): the share of equal slots estimates the Jaccard similarity of two texts.';
COMMENT ON COLUMN document_fingerprints.n_shingles IS 'Distinct 5-word shingles in the text.';
COMMENT ON COLUMN document_fingerprints.fingerprint_version IS 'Fingerprint parameters (shingle size, signature size, LSH bands); rows of another version are not comparable.';
COMMENT ON COLUMN document_fingerprints.run_id IS 'The run that computed it.';

CREATE TABLE IF NOT EXISTS fingerprint_buckets (
    doc_id  VARCHAR NOT NULL,
    band    SMALLINT NOT NULL,
    bucket  BIGINT NOT NULL,
    PRIMARY KEY (doc_id, band)
);
COMMENT ON TABLE fingerprint_buckets IS 'LSH buckets of the MinHash signatures (32 bands of 4 slots): documents sharing a bucket are near-duplicate candidates, found by an equality join instead of comparing every pair.';
COMMENT ON COLUMN fingerprint_buckets.doc_id IS 'Document (documents.doc_id).';
COMMENT ON COLUMN fingerprint_buckets.band IS 'Band number (0-31).';
COMMENT ON COLUMN fingerprint_buckets.bucket IS 'Hash of the band number and the band''s MinHash slots.';

CREATE TABLE IF NOT EXISTS duplicate_clusters (
    cluster_id        VARCHAR PRIMARY KEY,
    canonical_doc_id  VARCHAR NOT NULL,
    n_documents       INTEGER NOT NULL,
    first_published   DATE,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    run_id            VARCHAR NOT NULL
);
COMMENT ON TABLE duplicate_clusters IS 'One statement, however many times it was (re)published: a cluster of near-duplicate documents. Every document is in exactly one cluster (singletons too).';
COMMENT ON COLUMN duplicate_clusters.cluster_id IS 'Stable id: the doc_id of the document that founded the cluster.';
COMMENT ON COLUMN duplicate_clusters.canonical_doc_id IS 'The copy to show: earliest published_date, then earliest first_seen_at, then smallest doc_id.';
COMMENT ON COLUMN duplicate_clusters.n_documents IS 'Documents (distinct texts) in the cluster.';
COMMENT ON COLUMN duplicate_clusters.first_published IS 'Earliest published_date among the members.';
COMMENT ON COLUMN duplicate_clusters.created_at IS 'When the cluster was created (UTC).';
COMMENT ON COLUMN duplicate_clusters.updated_at IS 'When a member was last added or the canonical document last changed (UTC).';
COMMENT ON COLUMN duplicate_clusters.run_id IS 'The run that last wrote this row.';

CREATE TABLE IF NOT EXISTS cluster_members (
    doc_id      VARCHAR PRIMARY KEY,
    cluster_id  VARCHAR NOT NULL,
    similarity  DOUBLE NOT NULL,
    method      VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL
);
COMMENT ON TABLE cluster_members IS 'Which cluster each document belongs to. Near-duplicates are distinct documents rows (each keeps its URLs) in the same cluster.';
COMMENT ON COLUMN cluster_members.doc_id IS 'Document (documents.doc_id).';
COMMENT ON COLUMN cluster_members.cluster_id IS 'Its cluster (duplicate_clusters.cluster_id).';
COMMENT ON COLUMN cluster_members.similarity IS 'Jaccard similarity of its 5-word shingles to the canonical document of the cluster (1.0 for the canonical document itself).';
COMMENT ON COLUMN cluster_members.method IS 'How it joined: self (founded the cluster), exact (same shingles as its match), minhash (LSH candidate verified by shingle Jaccard >= the threshold).';
COMMENT ON COLUMN cluster_members.run_id IS 'The run that last wrote this row.';

ALTER TABLE documents ADD COLUMN IF NOT EXISTS doc_type VARCHAR;
COMMENT ON COLUMN documents.doc_type IS 'Kind of document (rules in readout_pipeline/data/doctype.toml): call_readout, meeting_readout, joint_statement, remarks, travel, press_release, other.';
