CREATE OR REPLACE TEMP TABLE stage_sources (
    source_id VARCHAR, name VARCHAR, home_url VARCHAR, config_json VARCHAR,
    seen_at TIMESTAMPTZ, run_id VARCHAR
);
