INSERT INTO fetch_log BY NAME SELECT * FROM stage_fetch_log;
