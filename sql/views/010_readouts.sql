-- readouts: one row per readout (distinct document) with its publisher, URLs, type and meeting.
CREATE OR REPLACE VIEW readouts AS
WITH urls AS (
    SELECT doc_id,
           list(DISTINCT fetch_url ORDER BY fetch_url) AS all_urls,
           list(DISTINCT source_id ORDER BY source_id) AS publishers,
           count(DISTINCT source_id) AS n_publishers,
           bool_or(is_current) AS is_current
    FROM document_urls
    GROUP BY doc_id
), first_meeting AS (
    SELECT doc_id, meeting_date, date_precision, city, country_code, format, is_virtual,
           host_country_codes, count(*) OVER (PARTITION BY doc_id) AS n_meetings
    FROM meetings
    QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY start_char, meeting_date) = 1
)
SELECT d.doc_id,
       d.published_date,
       d.title,
       d.doc_type,
       d.source_id,
       s.name AS source_name,
       coalesce(fu.fetch_url, d.first_url) AS url,
       u.all_urls,
       u.publishers,
       u.n_publishers,
       u.is_current,
       d.language,
       d.word_count,
       d.first_seen_at,
       m.meeting_date,
       m.date_precision AS meeting_date_precision,
       m.city AS meeting_city,
       m.country_code AS meeting_country_code,
       m.format AS meeting_format,
       m.is_virtual AS meeting_is_virtual,
       m.host_country_codes AS meeting_hosts,
       coalesce(m.n_meetings, 0) AS n_meetings
FROM documents AS d
LEFT JOIN sources AS s ON s.source_id = d.source_id
LEFT JOIN document_urls AS fu ON fu.doc_id = d.doc_id AND fu.url = d.first_url
LEFT JOIN urls AS u ON u.doc_id = d.doc_id
LEFT JOIN first_meeting AS m ON m.doc_id = d.doc_id;
COMMENT ON VIEW readouts IS 'Analyst view: one row per readout (distinct document) with its first publisher, every URL it appeared at, its type and its (first) meeting.';
COMMENT ON COLUMN readouts.doc_id IS 'Document id (documents.doc_id).';
COMMENT ON COLUMN readouts.published_date IS 'Publication date from the page metadata.';
COMMENT ON COLUMN readouts.title IS 'Title from the page metadata.';
COMMENT ON COLUMN readouts.doc_type IS 'call_readout | meeting_readout | joint_statement | remarks | travel | press_release | other.';
COMMENT ON COLUMN readouts.source_id IS 'Publisher where the text was first seen.';
COMMENT ON COLUMN readouts.source_name IS 'Name of that publisher.';
COMMENT ON COLUMN readouts.url IS 'URL (as published) where the text was first seen.';
COMMENT ON COLUMN readouts.all_urls IS 'Every URL (as published) the exact text appeared at, any publisher.';
COMMENT ON COLUMN readouts.publishers IS 'Every source_id that published the exact text.';
COMMENT ON COLUMN readouts.n_publishers IS 'Number of publishers of the exact text (near-duplicates: see readout_publications).';
COMMENT ON COLUMN readouts.is_current IS 'True if some URL still serves this exact text (false: every URL was edited since).';
COMMENT ON COLUMN readouts.language IS 'Language code from the page metadata.';
COMMENT ON COLUMN readouts.word_count IS 'Words in the cleaned text.';
COMMENT ON COLUMN readouts.first_seen_at IS 'When the text was first loaded (UTC).';
COMMENT ON COLUMN readouts.meeting_date IS 'Date of the (first) meeting the readout reports, if any.';
COMMENT ON COLUMN readouts.meeting_date_precision IS 'Precision of meeting_date (meetings.date_precision).';
COMMENT ON COLUMN readouts.meeting_city IS 'City of the meeting.';
COMMENT ON COLUMN readouts.meeting_country_code IS 'Country of the meeting (ISO 3166 alpha-3).';
COMMENT ON COLUMN readouts.meeting_format IS 'Format of the meeting (meetings.format).';
COMMENT ON COLUMN readouts.meeting_is_virtual IS 'True for a call or videoconference.';
COMMENT ON COLUMN readouts.meeting_hosts IS 'Host country codes (ISO 3166 alpha-3).';
COMMENT ON COLUMN readouts.n_meetings IS 'Meetings extracted from the readout (the columns above describe the first).';
