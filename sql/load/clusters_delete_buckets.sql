DELETE FROM fingerprint_buckets WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
