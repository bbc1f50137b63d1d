-- Staging table for membership_events rows of one extraction batch (typed like the target table).
CREATE OR REPLACE TEMP TABLE stage_extract_membership_events AS SELECT * FROM membership_events LIMIT 0;
