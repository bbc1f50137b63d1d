INSERT INTO sources (source_id, name, home_url, config_json, first_seen_at, updated_at, run_id)
SELECT source_id, name, home_url, config_json::JSON, seen_at, seen_at, run_id FROM stage_sources
ON CONFLICT (source_id) DO UPDATE SET
    name = excluded.name,
    home_url = excluded.home_url,
    config_json = excluded.config_json,
    updated_at = excluded.updated_at,
    run_id = excluded.run_id;
