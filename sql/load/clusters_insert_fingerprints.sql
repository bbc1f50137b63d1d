-- One row per document: parallel arrays doc_id[], simhash[], minhash[][], n_shingles[]; then version, run_id.
INSERT INTO document_fingerprints (doc_id, simhash, minhash, n_shingles, fingerprint_version, run_id)
SELECT unnest(?::JSON::VARCHAR[]), unnest(?::JSON::UBIGINT[]), unnest(?::JSON::UINTEGER[][]), unnest(?::JSON::INTEGER[]), ?, ?;
