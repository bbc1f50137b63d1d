SELECT url, etag, last_modified, last_fetched_at, lastmod, doc_id, last_outcome
FROM url_state
WHERE source_id = ?;
