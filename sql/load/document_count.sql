-- How many documents the warehouse holds (sizes the writer's memory limit while loading).
SELECT count(*) FROM documents;
