SELECT url, doc_id FROM url_state WHERE url IN (SELECT unnest(?::JSON::VARCHAR[])) AND doc_id IS NOT NULL;
