INSERT INTO runs (run_id, flow, parameters, started_at, status, code_version, parser_version)
VALUES (?, ?, ?::JSON, ?, 'running', ?, ?);
