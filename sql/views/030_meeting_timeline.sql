-- meeting_timeline: one row per extracted meeting, with the readout that reports it.
CREATE OR REPLACE VIEW meeting_timeline AS
SELECT m.meeting_date,
       m.date_precision,
       m.city,
       m.country_code,
       m.format,
       m.is_virtual,
       m.host_country_codes,
       d.doc_id,
       d.title,
       d.doc_type,
       d.source_id,
       d.published_date
FROM meetings AS m
JOIN documents AS d ON d.doc_id = m.doc_id;
COMMENT ON VIEW meeting_timeline IS 'Analyst view: one row per meeting extracted from a readout (date, place, format, hosts) with the readout that reports it.';
COMMENT ON COLUMN meeting_timeline.meeting_date IS 'Date of the meeting (see date_precision).';
COMMENT ON COLUMN meeting_timeline.date_precision IS 'How precise meeting_date is (meetings.date_precision).';
COMMENT ON COLUMN meeting_timeline.city IS 'City where the meeting took place.';
COMMENT ON COLUMN meeting_timeline.country_code IS 'Country where it took place (ISO 3166 alpha-3).';
COMMENT ON COLUMN meeting_timeline.format IS 'Format of the meeting (meetings.format).';
COMMENT ON COLUMN meeting_timeline.is_virtual IS 'True for a call or videoconference.';
COMMENT ON COLUMN meeting_timeline.host_country_codes IS 'Host country codes (ISO 3166 alpha-3).';
COMMENT ON COLUMN meeting_timeline.doc_id IS 'Readout reporting the meeting.';
COMMENT ON COLUMN meeting_timeline.title IS 'Title of that readout.';
COMMENT ON COLUMN meeting_timeline.doc_type IS 'Type of that readout.';
COMMENT ON COLUMN meeting_timeline.source_id IS 'Publisher of that readout (first seen).';
COMMENT ON COLUMN meeting_timeline.published_date IS 'Publication date of that readout.';
