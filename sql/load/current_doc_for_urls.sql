SELECT url, doc_id FROM url_state WHERE url IN (SELECT unnest(?::VARCHAR[])) AND doc_id IS NOT NULL;
