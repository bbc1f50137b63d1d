-- readout_publications: one row per (statement, publisher); exact and near-duplicates combined.
CREATE OR REPLACE VIEW readout_publications AS
WITH clustered AS (
    SELECT cm.doc_id, cm.cluster_id, cm.similarity
    FROM cluster_members AS cm
    WHERE cm.cluster_id IN (
        SELECT cluster_id FROM cluster_members GROUP BY cluster_id HAVING count(DISTINCT doc_id) > 1
    )
    QUALIFY row_number() OVER (PARTITION BY cm.doc_id ORDER BY cm.similarity DESC NULLS LAST, cm.cluster_id) = 1
), sightings AS (
    SELECT coalesce('cluster:' || c.cluster_id, 'doc:' || u.doc_id) AS statement_id,
           u.doc_id, u.source_id, u.fetch_url, u.first_seen_at, d.published_date, d.title,
           c.cluster_id, c.similarity
    FROM document_urls AS u
    JOIN documents AS d ON d.doc_id = u.doc_id
    LEFT JOIN clustered AS c ON c.doc_id = u.doc_id
), per_publisher AS (
    SELECT statement_id, source_id,
           arg_min(doc_id, first_seen_at) AS doc_id,
           arg_min(title, first_seen_at) AS title,
           arg_min(fetch_url, first_seen_at) AS url,
           min(published_date) AS published_date,
           min(first_seen_at) AS first_seen_at,
           any_value(cluster_id) AS cluster_id,
           max(similarity) AS similarity
    FROM sightings
    GROUP BY statement_id, source_id
), ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY statement_id ORDER BY published_date NULLS LAST, first_seen_at, source_id) AS publisher_rank,
           count(*) OVER (PARTITION BY statement_id) AS n_publishers
    FROM per_publisher
), firsts AS (
    SELECT statement_id, doc_id, source_id, published_date, first_seen_at FROM ranked WHERE publisher_rank = 1
)
SELECT r.statement_id,
       r.n_publishers,
       r.publisher_rank,
       r.publisher_rank = 1 AS is_first_publisher,
       r.source_id,
       s.name AS source_name,
       r.doc_id,
       r.title,
       r.url,
       r.published_date,
       r.first_seen_at,
       CASE WHEN r.doc_id = f.doc_id THEN 'exact' ELSE 'near' END AS match,
       r.similarity,
       f.source_id AS first_source_id,
       f.published_date AS first_published_date,
       f.first_seen_at AS first_seen_by_first_publisher,
       date_diff('day', f.published_date, r.published_date) AS lag_days,
       round((epoch(r.first_seen_at) - epoch(f.first_seen_at)) / 3600.0, 2) AS lag_first_seen_hours
FROM ranked AS r
JOIN firsts AS f ON f.statement_id = r.statement_id
LEFT JOIN sources AS s ON s.source_id = r.source_id;
COMMENT ON VIEW readout_publications IS 'Analyst view: one row per (statement, publisher). A statement is one text (exact duplicates: the same document at several URLs) or a near-duplicate cluster (cluster_members). Filter n_publishers > 1 for republished statements.';
COMMENT ON COLUMN readout_publications.statement_id IS 'cluster:<cluster_id> for a near-duplicate cluster of more than one document, else doc:<doc_id>.';
COMMENT ON COLUMN readout_publications.n_publishers IS 'Publishers (source ids) of the statement.';
COMMENT ON COLUMN readout_publications.publisher_rank IS '1 for the first publisher (earliest published_date, then first_seen_at), 2 for the next, ...';
COMMENT ON COLUMN readout_publications.is_first_publisher IS 'True for the publisher that published the statement first.';
COMMENT ON COLUMN readout_publications.source_id IS 'This publisher.';
COMMENT ON COLUMN readout_publications.source_name IS 'Name of this publisher.';
COMMENT ON COLUMN readout_publications.doc_id IS 'Document this publisher published (the same doc_id as the first publisher''s for an exact copy).';
COMMENT ON COLUMN readout_publications.title IS 'Title of that document.';
COMMENT ON COLUMN readout_publications.url IS 'URL (as published) where this publisher published it first.';
COMMENT ON COLUMN readout_publications.published_date IS 'Publication date of that document (for an exact copy: the date of the first copy loaded).';
COMMENT ON COLUMN readout_publications.first_seen_at IS 'When the pipeline first saw it at this publisher (UTC).';
COMMENT ON COLUMN readout_publications.match IS 'exact (same text as the first publisher''s) | near (a near-duplicate of it).';
COMMENT ON COLUMN readout_publications.similarity IS 'Similarity of this document to its cluster (cluster_members.similarity); NULL outside clusters.';
COMMENT ON COLUMN readout_publications.first_source_id IS 'The first publisher of the statement.';
COMMENT ON COLUMN readout_publications.first_published_date IS 'Publication date at the first publisher.';
COMMENT ON COLUMN readout_publications.first_seen_by_first_publisher IS 'When the pipeline first saw the statement at the first publisher (UTC).';
COMMENT ON COLUMN readout_publications.lag_days IS 'Days between the first publisher''s publication date and this publisher''s (0 for the first publisher).';
COMMENT ON COLUMN readout_publications.lag_first_seen_hours IS 'Hours between the first sighting at the first publisher and the first sighting at this one (negative when the pipeline saw the later-dated copy first).';
