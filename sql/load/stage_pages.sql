-- One batch of parsed pages, one row per URL, classified by warehouse.load_pages.
CREATE OR REPLACE TEMP TABLE stage_pages (
    url VARCHAR, fetch_url VARCHAR, source_id VARCHAR, raw_sha256 VARCHAR, content_type VARCHAR,
    charset VARCHAR, bytes BIGINT, fetched_at TIMESTAMPTZ, status INTEGER, etag VARCHAR,
    last_modified VARCHAR, lastmod TIMESTAMPTZ,
    doc_id VARCHAR, previous_doc_id VARCHAR, is_new_doc BOOLEAN, classification VARCHAR,
    chars_added INTEGER, chars_removed INTEGER,
    content_hash VARCHAR, title VARCHAR, text VARCHAR, published_date DATE, language VARCHAR,
    author VARCHAR, sitename VARCHAR, word_count INTEGER, parser_version VARCHAR,
    run_id VARCHAR, seen_at TIMESTAMPTZ
);
