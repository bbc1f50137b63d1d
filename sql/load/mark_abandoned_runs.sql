-- Called by a run that holds the writer lock: any other 'running' run died without finishing.
UPDATE runs SET status = 'failed', finished_at = ?, error = 'abandoned: the process ended before the run finished'
WHERE status = 'running'
RETURNING run_id;
