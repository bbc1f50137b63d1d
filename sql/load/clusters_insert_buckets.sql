-- Parallel arrays doc_id[], band[], bucket[].
INSERT INTO fingerprint_buckets (doc_id, band, bucket)
SELECT unnest(?::VARCHAR[]), unnest(?::SMALLINT[]), unnest(?::BIGINT[]);
