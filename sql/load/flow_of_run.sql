SELECT flow FROM runs WHERE run_id = ?;
