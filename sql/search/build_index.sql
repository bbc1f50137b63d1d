-- Full-text index over documents (title, text): BM25, Porter stemming, English stop words,
-- accents stripped, lower-cased. Rebuilt from scratch (overwrite) at every publish; it lives in
-- the schema fts_main_documents. Needs the fts extension loaded (search.load_fts).
PRAGMA create_fts_index('documents', 'doc_id', 'title', 'text', stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1);
