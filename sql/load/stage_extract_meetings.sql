-- Staging table for meetings rows of one extraction batch (typed like the target table).
CREATE OR REPLACE TEMP TABLE stage_extract_meetings AS SELECT * FROM meetings LIMIT 0;
