-- The session's dynamic_or_filter_threshold (search.py raises it while a search runs).
SELECT CAST(current_setting('dynamic_or_filter_threshold') AS BIGINT);
