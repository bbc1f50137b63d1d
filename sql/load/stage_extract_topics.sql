-- Staging table for topics rows of one extraction batch (typed like the target table).
CREATE OR REPLACE TEMP TABLE stage_extract_topics AS SELECT * FROM topics LIMIT 0;
