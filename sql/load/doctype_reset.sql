-- readout reparse: every document gets its type again from the current rules.
UPDATE documents SET doc_type = NULL;
