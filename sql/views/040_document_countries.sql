-- document_countries: one row per (readout, country mentioned), with the mention count.
CREATE OR REPLACE VIEW document_countries AS
SELECT c.doc_id,
       c.country_code,
       count(*) AS mentions,
       min(c.start_char) AS first_char,
       d.published_date,
       d.source_id,
       d.doc_type
FROM country_mentions AS c
JOIN documents AS d ON d.doc_id = c.doc_id
GROUP BY c.doc_id, c.country_code, d.published_date, d.source_id, d.doc_type;
COMMENT ON VIEW document_countries IS 'Analyst view: one row per (readout, country mentioned in it), from country_mentions.';
COMMENT ON COLUMN document_countries.doc_id IS 'Readout.';
COMMENT ON COLUMN document_countries.country_code IS 'Country mentioned (ISO 3166 alpha-3).';
COMMENT ON COLUMN document_countries.mentions IS 'Times the country is mentioned in the readout.';
COMMENT ON COLUMN document_countries.first_char IS 'Character offset of the first mention in documents.text.';
COMMENT ON COLUMN document_countries.published_date IS 'Publication date of the readout.';
COMMENT ON COLUMN document_countries.source_id IS 'Publisher of the readout (first seen).';
COMMENT ON COLUMN document_countries.doc_type IS 'Type of the readout.';
