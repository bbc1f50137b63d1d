-- URLs requested that produced no page to parse: 304 Not Modified, or a failure.
CREATE OR REPLACE TEMP TABLE stage_url_touch (
    url VARCHAR, fetch_url VARCHAR, source_id VARCHAR, lastmod TIMESTAMPTZ, fetched_at TIMESTAMPTZ,
    status INTEGER, outcome VARCHAR, failed BOOLEAN, run_id VARCHAR
);
