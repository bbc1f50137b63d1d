CREATE OR REPLACE TEMP TABLE stage_fetch_log (
    run_id VARCHAR, url VARCHAR, source_id VARCHAR, attempt INTEGER, started_at TIMESTAMPTZ,
    elapsed_ms INTEGER, http_status INTEGER, bytes BIGINT, outcome VARCHAR, error VARCHAR
);
