-- Drop the fingerprints and buckets of documents about to be fingerprinted again.
DELETE FROM document_fingerprints WHERE doc_id IN (SELECT unnest(?::JSON::VARCHAR[]));
