UPDATE runs SET
    finished_at = ?, status = ?,
    n_discovered = ?, n_fetched = ?, n_not_modified = ?, n_new_documents = ?, n_new_versions = ?,
    n_duplicates = ?, n_unchanged = ?, n_filtered = ?, n_skipped = ?, n_failed = ?,
    error = ?
WHERE run_id = ?;
