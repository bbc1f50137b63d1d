-- Staging table for organization_mentions rows of one extraction batch (typed like the target table).
CREATE OR REPLACE TEMP TABLE stage_extract_organization_mentions AS SELECT * FROM organization_mentions LIMIT 0;
