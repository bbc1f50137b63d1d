-- Parallel arrays doc_id[], band[], bucket[].
INSERT INTO fingerprint_buckets (doc_id, band, bucket)
SELECT unnest(?::JSON::VARCHAR[]), unnest(?::JSON::SMALLINT[]), unnest(?::JSON::BIGINT[]);
