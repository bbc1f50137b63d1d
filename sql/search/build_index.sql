-- Full-text index over documents (title, text): BM25, Porter stemming, English stop words,
-- accents stripped, lower-cased. Built from scratch (overwrite) when a publish cannot extend it with the
-- documents added (extend_index.sql: no index yet, a document went missing, other build SQL); it lives in
-- the schema fts_main_documents. Needs the fts extension loaded (search.load_fts).
--
-- The index is the one `PRAGMA create_fts_index('documents', 'doc_id', 'title', 'text', ...)` makes
-- (same tables, same BM25 scores: tests/test_search.py builds both and compares them), built in two
-- steps because the extension's own build of the text field takes 1.65 s for 1,500 documents on
-- one thread: it scans the documents table as one row group, and stems every word occurrence
-- (1.2 million) one by one. Here the extension indexes the titles (and makes the schema, the stop
-- words, the tokenizer and the match_bm25 macro); the text is then tokenized by two scans that run
-- in parallel (even and odd rowids), each distinct word is stemmed once, and the index's tables
-- are extended the way the extension fills them: 1.2 s in all (bench/README.md).

PRAGMA create_fts_index('documents', 'doc_id', 'title', stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1);

INSERT INTO fts_main_documents.fields VALUES (1, 'text');

-- Every indexed word occurrence of the text field: (word, document); stop words and empty tokens out.
CREATE TEMP TABLE fts_text_tokens AS
SELECT w, docid
FROM (
    SELECT unnest(fts_main_documents.tokenize(d.text)) AS w, d.rowid AS docid
    FROM main.documents AS d WHERE d.rowid % 2 = 0
    UNION ALL
    SELECT unnest(fts_main_documents.tokenize(d.text)) AS w, d.rowid AS docid
    FROM main.documents AS d WHERE d.rowid % 2 = 1
)
WHERE w IS NOT NULL AND len(w) > 0 AND w NOT IN (SELECT sw FROM fts_main_documents.stopwords);

-- Each distinct word with its stem (the same stemmer as the PRAGMA above).
CREATE TEMP TABLE fts_text_stems AS
SELECT w, stem(w, 'porter') AS term FROM (SELECT DISTINCT w FROM fts_text_tokens);

-- Terms the titles did not have get the next term ids.
INSERT INTO fts_main_documents.dict (termid, term)
SELECT (SELECT coalesce(max(termid), -1) FROM fts_main_documents.dict) + row_number() OVER (ORDER BY term), term
FROM (SELECT DISTINCT term FROM fts_text_stems WHERE term NOT IN (SELECT term FROM fts_main_documents.dict));

INSERT INTO fts_main_documents.terms (docid, fieldid, termid)
SELECT t.docid, 1, d.termid
FROM fts_text_tokens AS t
JOIN fts_text_stems AS s ON s.w = t.w
JOIN fts_main_documents.dict AS d ON d.term = s.term;

-- Document frequencies, document lengths and the averages, over both fields.
UPDATE fts_main_documents.dict AS d SET df = c.n
FROM (SELECT termid, count(DISTINCT docid) AS n FROM fts_main_documents.terms GROUP BY termid) AS c
WHERE c.termid = d.termid;

UPDATE fts_main_documents.docs AS d SET len = c.n
FROM (SELECT docid, count(*) AS n FROM fts_main_documents.terms GROUP BY docid) AS c
WHERE c.docid = d.docid;

DELETE FROM fts_main_documents.stats;
INSERT INTO fts_main_documents.stats
SELECT count(docs.docid) AS num_docs, sum(docs.len) / count(docs.len) AS avgdl FROM fts_main_documents.docs AS docs;

DROP TABLE fts_text_tokens;
DROP TABLE fts_text_stems;
