-- readout_search(query_text, max_results := 20): full-text search for analysts, in SQL.
-- Ranked by BM25 (every word must occur, stemmed: "meeting" finds "meets"); "quoted phrases" must
-- occur exactly (case, accents and punctuation ignored); snippet: the passage around the first
-- match, matched words wrapped in **double asterisks**. Needs `LOAD fts` in the session.
--   SELECT * FROM readout_search('"small group" Syria');
--   SELECT * FROM readout_search('repatriation', max_results := 5);
CREATE OR REPLACE MACRO readout_search(query_text, max_results := 20) AS TABLE
WITH query_tokens AS (
    SELECT DISTINCT unnest(fts_main_documents.tokenize(query_text)) AS token
), terms AS (
    SELECT token, stem(token, 'porter') AS stemmed
    FROM query_tokens
    WHERE token <> '' AND token NOT IN (SELECT sw FROM fts_main_documents.stopwords)
), query AS (
    SELECT string_agg(token, ' ' ORDER BY token) AS bm25_terms,
           '(?i)\b(' || string_agg(token || '\w*|' || stemmed || '\w*', '|' ORDER BY length(token) DESC) || ')' AS highlight,
           list(token) || list(stemmed) AS anchors
    FROM terms
), phrases AS (
    SELECT list_transform(
               regexp_extract_all(query_text, '"([^"]+)"', 1),
               lambda p: ' ' || trim(regexp_replace(lower(strip_accents(p)), '[^\pL\pN]+', ' ', 'g')) || ' '
           ) AS phrases,
           lower(strip_accents(nullif(trim(regexp_extract(query_text, '"([^"]+)"', 1)), ''))) AS first_phrase
), scored AS (
    SELECT d.doc_id, d.title, d.text, d.published_date, d.source_id, d.first_url,
           fts_main_documents.match_bm25(d.doc_id, (SELECT bm25_terms FROM query), conjunctive := 1) AS score
    FROM documents AS d
), hits AS (
    -- The snippet starts a little before the first phrase, else the first word (or its stem) found.
    SELECT s.*,
           coalesce(
               nullif(strpos(lower(strip_accents(s.text)), ph.first_phrase), 0),
               list_min(list_filter(list_transform(q.anchors, lambda a: strpos(lower(strip_accents(s.text)), a)), lambda p: p > 0))
           ) AS match_at
    FROM scored AS s, query AS q, phrases AS ph
    WHERE s.score IS NOT NULL
      AND coalesce(list_bool_and(list_transform(ph.phrases, lambda p: contains(
              ' ' || regexp_replace(lower(strip_accents(s.title || ' ' || s.text)), '[^\pL\pN]+', ' ', 'g') || ' ', p))), true)
)
SELECT h.doc_id,
       round(h.score, 4) AS score,
       h.published_date,
       h.source_id,
       h.title,
       coalesce(u.fetch_url, h.first_url) AS url,
       regexp_replace(
           CASE WHEN h.match_at IS NULL THEN coalesce(h.title, '')  -- only the title matched
                ELSE CASE WHEN h.match_at > 80 THEN '…' ELSE '' END
                     || substring(h.text, greatest(h.match_at - 80, 1), 240)
                     || CASE WHEN greatest(h.match_at - 80, 1) + 240 <= length(h.text) THEN '…' ELSE '' END
           END,
           q.highlight, '**\1**', 'g') AS snippet
FROM hits AS h
CROSS JOIN query AS q
LEFT JOIN document_urls AS u ON u.doc_id = h.doc_id AND u.url = h.first_url
ORDER BY h.score DESC, h.published_date DESC NULLS LAST, h.doc_id
LIMIT max_results;
