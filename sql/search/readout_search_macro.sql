-- readout_search(query_text, max_results := 20): full-text search for analysts, in SQL.
-- Ranked by BM25 (every word must occur, stemmed: "meeting" finds "meets"; English stop words
-- ignored); "quoted phrases" must occur exactly (case, accents and punctuation ignored); snippet:
-- the passage around the first match, matched words wrapped in **double asterisks**.
-- Needs `LOAD fts` in the session.
--   SELECT * FROM readout_search('"small group" Syria');
--   SELECT * FROM readout_search('repatriation', max_results := 5);
--
-- How it stays fast on 100,000 documents (well under 1 s a query):
-- * BM25 is computed once per query from the index tables, over the postings of the query's terms
--   only, with the formula and defaults of fts_main_documents.match_bm25(doc_id, terms,
--   conjunctive := 1) (k = 1.2, b = 0.75; tests/test_search.py checks the scores are equal).
--   Calling match_bm25 per document with the cleaned terms from a subquery re-ran its plan per row
--   (over 60 s); calling it with query_text itself is wrong: the empty token before a leading quote
--   and every stop word count as required terms no document has, so '"small group" Syria' and
--   'the Syria' would find nothing.
-- * Quoted phrases are then checked on the BM25 hits only (a phrase's words are query terms),
--   before the LIMIT, best-ranked first: the text of further hits is read only while fewer than
--   max_results have passed.
-- * The snippet is cut for the returned rows only.
-- `readout search` also raises dynamic_or_filter_threshold during the query (see search.py): a
-- phrase checked on more than 50 hits then reads only their text on a cold cache. In a SQL
-- session, `SET dynamic_or_filter_threshold = 2048` does the same; the results do not change.

-- readout_search_has_phrases(doc_text, phrases): does doc_text hold every phrase? Phrases come
-- normalized as readout_search makes them (' small group '); the text is lower-cased, its accents
-- stripped, every run of characters other than letters and digits made one space.
CREATE OR REPLACE MACRO readout_search_has_phrases(doc_text, phrases) AS
    len(phrases) = 0
    OR list_bool_and(list_transform(phrases, lambda p: contains(
           ' ' || regexp_replace(lower(strip_accents(doc_text)), '[^\pL\pN]+', ' ', 'g') || ' ', p)));

CREATE OR REPLACE MACRO readout_search(query_text, max_results := 20) AS TABLE
WITH terms AS (
    -- Query words as the index saw document words: tokenized, stop words dropped, then stemmed.
    SELECT DISTINCT token, stem(token, 'porter') AS stemmed
    FROM (SELECT unnest(fts_main_documents.tokenize(query_text)) AS token)
    WHERE token <> '' AND token NOT IN (SELECT sw FROM fts_main_documents.stopwords)
), query AS (
    SELECT count(DISTINCT stemmed) AS n_terms,
           '(?i)\b(' || string_agg(token || '\w*|' || stemmed || '\w*', '|' ORDER BY length(token) DESC, token) || ')' AS highlight,
           list(token ORDER BY token) || list(stemmed ORDER BY token) AS anchors
    FROM terms
), phrases AS (
    -- Each phrase as ' words in between ' (normalized like the text); a phrase without a letter or
    -- a digit ("...") is ignored.
    SELECT list_transform(
               list_filter(
                   list_transform(regexp_extract_all(query_text, '"([^"]+)"', 1),
                                  lambda p: trim(regexp_replace(lower(strip_accents(p)), '[^\pL\pN]+', ' ', 'g'))),
                   lambda p: p <> ''),
               lambda p: ' ' || p || ' '
           ) AS phrases,
           lower(strip_accents(nullif(trim(regexp_extract(query_text, '"([^"]+)"', 1)), ''))) AS first_phrase
), query_termids AS (
    SELECT dict.termid, dict.df
    FROM fts_main_documents.dict AS dict
    WHERE dict.term IN (SELECT stemmed FROM terms)
), term_tf AS (
    SELECT t.docid, t.termid, count(*) AS tf
    FROM fts_main_documents.terms AS t
    WHERE t.termid IN (SELECT termid FROM query_termids)
    GROUP BY t.docid, t.termid
), bm25 AS (
    -- Conjunctive: a document counts only if it has every distinct query term.
    SELECT docs.name AS doc_id,
           sum(log((((SELECT num_docs FROM fts_main_documents.stats) - qt.df) + 0.5) / (qt.df + 0.5) + 1)
               * ((tt.tf * (1.2 + 1))
                  / (tt.tf + (1.2 * ((1 - 0.75) + (0.75 * (docs.len / (SELECT avgdl FROM fts_main_documents.stats)))))))) AS score
    FROM term_tf AS tt
    JOIN query_termids AS qt ON qt.termid = tt.termid
    JOIN fts_main_documents.docs AS docs ON docs.docid = tt.docid
    GROUP BY docs.name
    HAVING count(DISTINCT tt.termid) = (SELECT n_terms FROM query)
), ranked AS MATERIALIZED (
    -- Every BM25 hit in result order, without its text. Text is read in up to three tiers of the
    -- ranking, each only if the ones before gave fewer than max_results hits: the first
    -- max_results (2 x max_results with quoted phrases, whose check may reject some), then up to
    -- rank 25 x max_results, then the rest. The first tier is small so that DuckDB reads the text
    -- of those rows only (a join on 50 keys or fewer becomes a filter on the documents scan); a
    -- phrase that passes on most hits is settled there, also on a cold cache.
    SELECT o.*,
           CASE WHEN o.rank <= CASE WHEN len(ph.phrases) = 0 THEN max_results ELSE 2 * max_results END THEN 1
                WHEN o.rank <= 25 * max_results THEN 2
                ELSE 3 END AS tier
    FROM (SELECT b.score, d.doc_id, d.published_date,
                 row_number() OVER (ORDER BY b.score DESC, d.published_date DESC NULLS LAST, d.doc_id) AS rank
          FROM bm25 AS b
          JOIN documents AS d ON d.doc_id = b.doc_id) AS o
    CROSS JOIN phrases AS ph
), tier1 AS MATERIALIZED (
    -- Each tier's rows with their text are materialized, so that the phrase check runs on these
    -- rows only: never pushed down into a scan of every document.
    SELECT r.rank, r.score, r.published_date, d.doc_id, d.title, d.text, d.source_id, d.first_url
    FROM ranked AS r
    JOIN documents AS d ON d.doc_id = r.doc_id
    WHERE r.tier = 1
), tier1_hits AS MATERIALIZED (
    SELECT t.* FROM tier1 AS t, phrases AS ph
    WHERE readout_search_has_phrases(coalesce(t.title, '') || ' ' || t.text, ph.phrases)
), tier2 AS MATERIALIZED (
    SELECT r.rank, r.score, r.published_date, d.doc_id, d.title, d.text, d.source_id, d.first_url
    FROM ranked AS r
    JOIN documents AS d ON d.doc_id = r.doc_id
    WHERE r.tier = 2 AND (SELECT count(*) FROM tier1_hits) < max_results
), tier2_hits AS MATERIALIZED (
    SELECT t.* FROM tier2 AS t, phrases AS ph
    WHERE readout_search_has_phrases(coalesce(t.title, '') || ' ' || t.text, ph.phrases)
), tier3 AS MATERIALIZED (
    SELECT r.rank, r.score, r.published_date, d.doc_id, d.title, d.text, d.source_id, d.first_url
    FROM ranked AS r
    JOIN documents AS d ON d.doc_id = r.doc_id
    WHERE r.tier = 3 AND (SELECT count(*) FROM (FROM tier1_hits UNION ALL FROM tier2_hits)) < max_results
), hits AS (
    -- Phrases are checked before the LIMIT, so max_results rows come back when that many match.
    SELECT * FROM tier1_hits
    UNION ALL
    SELECT * FROM tier2_hits
    UNION ALL
    SELECT t.* FROM tier3 AS t, phrases AS ph
    WHERE readout_search_has_phrases(coalesce(t.title, '') || ' ' || t.text, ph.phrases)
    ORDER BY rank
    LIMIT max_results
), located AS (
    -- The snippet starts a little before the first phrase, else the first word (or its stem) found.
    SELECT h.*,
           coalesce(
               nullif(strpos(lower(strip_accents(h.text)), ph.first_phrase), 0),
               list_min(list_filter(list_transform(q.anchors, lambda a: strpos(lower(strip_accents(h.text)), a)), lambda p: p > 0))
           ) AS match_at
    FROM hits AS h, query AS q, phrases AS ph
)
SELECT l.doc_id,
       round(l.score, 4) AS score,
       l.published_date,
       l.source_id,
       l.title,
       coalesce(u.fetch_url, l.first_url) AS url,
       regexp_replace(
           CASE WHEN l.match_at IS NULL THEN coalesce(l.title, '')  -- only the title matched
                ELSE CASE WHEN l.match_at > 80 THEN '…' ELSE '' END
                     || substring(l.text, greatest(l.match_at - 80, 1), 240)
                     || CASE WHEN greatest(l.match_at - 80, 1) + 240 <= length(l.text) THEN '…' ELSE '' END
           END,
           q.highlight, '**\1**', 'g') AS snippet
FROM located AS l
CROSS JOIN query AS q
LEFT JOIN document_urls AS u ON u.doc_id = l.doc_id AND u.url = l.first_url
ORDER BY l.rank;
