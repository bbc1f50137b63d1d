-- Staging table for person_mentions rows of one extraction batch (typed like the target table).
CREATE OR REPLACE TEMP TABLE stage_extract_person_mentions AS SELECT * FROM person_mentions LIMIT 0;
