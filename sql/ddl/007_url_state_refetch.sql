-- The validators of a URL whose last raw body the archive lost (missing, or damaged and moved aside)
-- are dropped, so its next fetch is a full GET that archives the body again (sql/load/refetch_in_full.sql).

COMMENT ON COLUMN url_state.etag IS 'ETag of the last 200 response (sent back as If-None-Match); NULL also when a run found the last raw body missing or damaged in the archive, so that the next fetch is a full GET.';
COMMENT ON COLUMN url_state.last_modified IS 'Last-Modified of the last 200 response (sent back as If-Modified-Since); NULL also when a run found the last raw body missing or damaged in the archive.';
