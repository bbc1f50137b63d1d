-- Move the staged membership_events rows into the table.
INSERT INTO membership_events BY NAME SELECT * FROM stage_extract_membership_events;
