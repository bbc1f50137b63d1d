-- Staging table for amounts rows of one extraction batch (typed like the target table).
CREATE OR REPLACE TEMP TABLE stage_extract_amounts AS SELECT * FROM amounts LIMIT 0;
