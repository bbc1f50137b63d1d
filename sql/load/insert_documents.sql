INSERT INTO documents (doc_id, content_hash, title, text, published_date, language, author, sitename,
                       word_count, first_seen_at, source_id, first_url, raw_sha256, parser_version, run_id)
SELECT doc_id, content_hash, title, text, published_date, language, author, sitename,
       word_count, seen_at, source_id, url, raw_sha256, parser_version, run_id
FROM stage_pages
WHERE is_new_doc
ON CONFLICT (doc_id) DO NOTHING;
