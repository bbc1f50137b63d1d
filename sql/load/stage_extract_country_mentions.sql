-- Staging table for country_mentions rows of one extraction batch (typed like the target table).
CREATE OR REPLACE TEMP TABLE stage_extract_country_mentions AS SELECT * FROM country_mentions LIMIT 0;
