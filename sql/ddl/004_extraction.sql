-- Structured readouts (issue 5): what the deterministic extractor (src/readout_pipeline/extract) derives
-- from each document. Every row carries extractor_version and run_id; start_char/end_char are 0-based,
-- end-exclusive character offsets into documents.text (Python slicing: text[start_char:end_char]; in SQL
-- substring(text, start_char + 1, end_char - start_char)). `readout reparse` rebuilds all of them.

CREATE TABLE IF NOT EXISTS document_extractions (
    doc_id             VARCHAR NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    extracted_at       TIMESTAMPTZ NOT NULL,
    run_id             VARCHAR NOT NULL,
    n_rows             INTEGER NOT NULL,
    PRIMARY KEY (doc_id, extractor_version)
);
COMMENT ON TABLE document_extractions IS 'Which extractor version produced the current derived rows of each document (one row per extracted document; documents without a row for the current version are extracted by the next run).';
COMMENT ON COLUMN document_extractions.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN document_extractions.extractor_version IS 'Extractor version (readout_pipeline.extract.EXTRACTOR_VERSION) that processed it.';
COMMENT ON COLUMN document_extractions.extracted_at IS 'When it was extracted (UTC).';
COMMENT ON COLUMN document_extractions.run_id IS 'The run that extracted it.';
COMMENT ON COLUMN document_extractions.n_rows IS 'Rows written for it across all derived tables (0 is a valid result).';

CREATE TABLE IF NOT EXISTS country_mentions (
    doc_id             VARCHAR NOT NULL,
    country_code       VARCHAR NOT NULL,
    mention            VARCHAR NOT NULL,
    start_char         INTEGER NOT NULL,
    end_char           INTEGER NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL
);
COMMENT ON TABLE country_mentions IS 'One row per mention of a country in a document: names (common and official), alternates (Türkiye/Turkey, U.S.) and demonyms standing for a country (Turkish Foreign Minister → TUR).';
COMMENT ON COLUMN country_mentions.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN country_mentions.country_code IS 'ISO 3166-1 alpha-3 code (pycountry); XKX for Kosovo, which ISO does not list.';
COMMENT ON COLUMN country_mentions.mention IS 'The text as written, e.g. Kingdom of the Netherlands, Türkiye, Turkish.';
COMMENT ON COLUMN country_mentions.start_char IS 'Start offset (0-based) of the mention in documents.text.';
COMMENT ON COLUMN country_mentions.end_char IS 'End offset (exclusive) of the mention in documents.text.';
COMMENT ON COLUMN country_mentions.extractor_version IS 'Extractor version that produced the row.';
COMMENT ON COLUMN country_mentions.run_id IS 'The run that wrote the row.';

CREATE TABLE IF NOT EXISTS organization_mentions (
    doc_id             VARCHAR NOT NULL,
    org_id             VARCHAR NOT NULL,
    name               VARCHAR NOT NULL,
    mention            VARCHAR NOT NULL,
    start_char         INTEGER NOT NULL,
    end_char           INTEGER NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL
);
COMMENT ON TABLE organization_mentions IS 'One row per mention of an international organization (UN, NATO, EU and its missions, INTERPOL, the Global Coalition to Defeat ISIS/Daesh and its working groups, ...) from the gazetteer extract/data/organizations.csv.';
COMMENT ON COLUMN organization_mentions.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN organization_mentions.org_id IS 'Stable gazetteer id, e.g. global-coalition, unsc, euam-iraq, coalition-wg-ftf.';
COMMENT ON COLUMN organization_mentions.name IS 'Canonical name of the organization.';
COMMENT ON COLUMN organization_mentions.mention IS 'The text as written, e.g. D-ISIS Coalition.';
COMMENT ON COLUMN organization_mentions.start_char IS 'Start offset (0-based) of the mention in documents.text.';
COMMENT ON COLUMN organization_mentions.end_char IS 'End offset (exclusive) of the mention in documents.text.';
COMMENT ON COLUMN organization_mentions.extractor_version IS 'Extractor version that produced the row.';
COMMENT ON COLUMN organization_mentions.run_id IS 'The run that wrote the row.';

CREATE TABLE IF NOT EXISTS person_mentions (
    doc_id             VARCHAR NOT NULL,
    name               VARCHAR NOT NULL,
    title              VARCHAR,
    country_code       VARCHAR,
    role               VARCHAR NOT NULL,
    start_char         INTEGER NOT NULL,
    end_char           INTEGER NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL
);
COMMENT ON TABLE person_mentions IS 'One row per mention of a named official (title + name patterns); the several mentions of one person in a document share one resolved name.';
COMMENT ON COLUMN person_mentions.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN person_mentions.name IS 'Resolved name: the fullest form used in the document (Special Envoy Godfrey → John Godfrey).';
COMMENT ON COLUMN person_mentions.title IS 'Title as written at this mention, without honorifics, e.g. Acting Special Envoy for the Global Coalition.';
COMMENT ON COLUMN person_mentions.country_code IS 'ISO alpha-3 code of the country the person represents (from a demonym or country next to the title), if known.';
COMMENT ON COLUMN person_mentions.role IS 'host | co-chair | participant | mentioned (the strongest role of the person in the document).';
COMMENT ON COLUMN person_mentions.start_char IS 'Start offset (0-based) of the name as written in documents.text.';
COMMENT ON COLUMN person_mentions.end_char IS 'End offset (exclusive) of the name as written in documents.text.';
COMMENT ON COLUMN person_mentions.extractor_version IS 'Extractor version that produced the row.';
COMMENT ON COLUMN person_mentions.run_id IS 'The run that wrote the row.';

CREATE TABLE IF NOT EXISTS meetings (
    doc_id              VARCHAR NOT NULL,
    meeting_date        DATE,
    date_precision      VARCHAR,
    city                VARCHAR,
    country_code        VARCHAR,
    format              VARCHAR NOT NULL,
    is_virtual          BOOLEAN NOT NULL,
    host_country_codes  VARCHAR[],
    start_char          INTEGER NOT NULL,
    end_char            INTEGER NOT NULL,
    extractor_version   VARCHAR NOT NULL,
    run_id              VARCHAR NOT NULL
);
COMMENT ON TABLE meetings IS 'The meeting or call a document reports (at most one per document; statements without a meeting have none).';
COMMENT ON COLUMN meetings.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN meetings.meeting_date IS 'Date of the meeting (not of publication): met today / yesterday / on June 28 resolve against the publication date. First day of the month or year when date_precision is month or year; NULL when the text does not say.';
COMMENT ON COLUMN meetings.date_precision IS 'day | month | year; NULL when meeting_date is NULL.';
COMMENT ON COLUMN meetings.city IS 'City where it took place (gazetteer extract/data/cities.csv), e.g. The Hague; NULL for calls and when not stated.';
COMMENT ON COLUMN meetings.country_code IS 'ISO alpha-3 code of the country where it took place.';
COMMENT ON COLUMN meetings.format IS 'ministerial | political directors / small group | working group | bilateral call | bilateral meeting | other.';
COMMENT ON COLUMN meetings.is_virtual IS 'True for calls and virtual meetings.';
COMMENT ON COLUMN meetings.host_country_codes IS 'ISO alpha-3 codes of the host or co-host countries, when stated or implied (a bilateral meeting is hosted by the country it takes place in).';
COMMENT ON COLUMN meetings.start_char IS 'Start offset (0-based) in documents.text of the sentence that reports the meeting.';
COMMENT ON COLUMN meetings.end_char IS 'End offset (exclusive) of that sentence.';
COMMENT ON COLUMN meetings.extractor_version IS 'Extractor version that produced the row.';
COMMENT ON COLUMN meetings.run_id IS 'The run that wrote the row.';

CREATE TABLE IF NOT EXISTS membership_events (
    doc_id             VARCHAR NOT NULL,
    country_code       VARCHAR NOT NULL,
    organization       VARCHAR NOT NULL,
    event              VARCHAR NOT NULL,
    start_char         INTEGER NOT NULL,
    end_char           INTEGER NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL
);
COMMENT ON TABLE membership_events IS 'Changes of membership a document reports, e.g. a country welcomed as a new member of the Coalition.';
COMMENT ON COLUMN membership_events.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN membership_events.country_code IS 'ISO alpha-3 code of the country concerned.';
COMMENT ON COLUMN membership_events.organization IS 'org_id of the organization (as in organization_mentions), e.g. global-coalition.';
COMMENT ON COLUMN membership_events.event IS 'What happened: welcomed as new member.';
COMMENT ON COLUMN membership_events.start_char IS 'Start offset (0-based) of the country mention in documents.text.';
COMMENT ON COLUMN membership_events.end_char IS 'End offset (exclusive) of the country mention in documents.text.';
COMMENT ON COLUMN membership_events.extractor_version IS 'Extractor version that produced the row.';
COMMENT ON COLUMN membership_events.run_id IS 'The run that wrote the row.';

CREATE TABLE IF NOT EXISTS amounts (
    doc_id             VARCHAR NOT NULL,
    value              DOUBLE NOT NULL,
    currency           VARCHAR NOT NULL,
    unit               VARCHAR,
    mention            VARCHAR NOT NULL,
    context            VARCHAR NOT NULL,
    start_char         INTEGER NOT NULL,
    end_char           INTEGER NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL
);
COMMENT ON TABLE amounts IS 'Money amounts a document mentions (pledges, goals, assistance), e.g. $600 million.';
COMMENT ON COLUMN amounts.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN amounts.value IS 'The amount in currency units (600000000 for $600 million).';
COMMENT ON COLUMN amounts.currency IS 'ISO 4217 code, e.g. USD, EUR, GBP.';
COMMENT ON COLUMN amounts.unit IS 'Scale word as written: thousand | million | billion | trillion; NULL if none.';
COMMENT ON COLUMN amounts.mention IS 'The amount as written.';
COMMENT ON COLUMN amounts.context IS 'Up to 100 characters either side within the sentence, e.g. pledged more than $600 million against their 2021 goal of $670 million.';
COMMENT ON COLUMN amounts.start_char IS 'Start offset (0-based) of the mention in documents.text.';
COMMENT ON COLUMN amounts.end_char IS 'End offset (exclusive) of the mention in documents.text.';
COMMENT ON COLUMN amounts.extractor_version IS 'Extractor version that produced the row.';
COMMENT ON COLUMN amounts.run_id IS 'The run that wrote the row.';

CREATE TABLE IF NOT EXISTS topics (
    doc_id             VARCHAR NOT NULL,
    topic              VARCHAR NOT NULL,
    evidence           VARCHAR NOT NULL,
    start_char         INTEGER NOT NULL,
    end_char           INTEGER NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL
);
COMMENT ON TABLE topics IS 'Topics a document discusses, from the controlled vocabulary extract/data/topics.toml; one row per document and topic.';
COMMENT ON COLUMN topics.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN topics.topic IS 'Topic label, e.g. foreign terrorist fighters and travel, ISIS-Khorasan, stabilization.';
COMMENT ON COLUMN topics.evidence IS 'The first phrase that shows it, as written (e.g. ISIS-K).';
COMMENT ON COLUMN topics.start_char IS 'Start offset (0-based) of the evidence in documents.text.';
COMMENT ON COLUMN topics.end_char IS 'End offset (exclusive) of the evidence in documents.text.';
COMMENT ON COLUMN topics.extractor_version IS 'Extractor version that produced the row.';
COMMENT ON COLUMN topics.run_id IS 'The run that wrote the row.';
