-- URLs whose last raw body the archive cannot give back (missing, or damaged and moved aside): their
-- validators are dropped, so the next fetch is a full GET, not a conditional one that a 304 answers,
-- and the body is archived again. Their documents and the rest of their crawl state stay.
UPDATE url_state
SET etag = NULL, last_modified = NULL
WHERE url IN (SELECT unnest(?::JSON::VARCHAR[]));
