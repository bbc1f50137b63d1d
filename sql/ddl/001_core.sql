-- Core tables: sources, runs, fetches, raw pages, crawl state, documents, URLs, versions.
-- Names are stable: analysts and reports rely on them. Every row a run writes carries its run_id.

CREATE TABLE IF NOT EXISTS sources (
    source_id      VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    home_url       VARCHAR NOT NULL,
    config_json    JSON,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    run_id         VARCHAR NOT NULL
);
COMMENT ON TABLE sources IS 'Official publishers crawled (from sources.toml or an ad-hoc --source-url run); one row per source id.';
COMMENT ON COLUMN sources.source_id IS 'Stable short id of the publisher, e.g. state-gov.';
COMMENT ON COLUMN sources.name IS 'Human-readable publisher name.';
COMMENT ON COLUMN sources.home_url IS 'Home page of the publisher.';
COMMENT ON COLUMN sources.config_json IS 'The source definition (entry points, filters, politeness) as last used.';
COMMENT ON COLUMN sources.first_seen_at IS 'When a run first used this source (UTC).';
COMMENT ON COLUMN sources.updated_at IS 'When a run last used this source (UTC).';
COMMENT ON COLUMN sources.run_id IS 'The run that last wrote this row.';

CREATE TABLE IF NOT EXISTS runs (
    run_id            VARCHAR PRIMARY KEY,
    flow              VARCHAR NOT NULL,
    parameters        JSON,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    status            VARCHAR NOT NULL,
    code_version      VARCHAR NOT NULL,
    parser_version    VARCHAR NOT NULL,
    n_discovered      INTEGER NOT NULL DEFAULT 0,
    n_fetched         INTEGER NOT NULL DEFAULT 0,
    n_not_modified    INTEGER NOT NULL DEFAULT 0,
    n_new_documents   INTEGER NOT NULL DEFAULT 0,
    n_new_versions    INTEGER NOT NULL DEFAULT 0,
    n_duplicates      INTEGER NOT NULL DEFAULT 0,
    n_unchanged       INTEGER NOT NULL DEFAULT 0,
    n_filtered        INTEGER NOT NULL DEFAULT 0,
    n_skipped         INTEGER NOT NULL DEFAULT 0,
    n_failed          INTEGER NOT NULL DEFAULT 0,
    error             VARCHAR
);
COMMENT ON TABLE runs IS 'One row per flow run (ingest, backfill, reparse) with its parameters, outcome and counts.';
COMMENT ON COLUMN runs.run_id IS 'Prefect flow-run id (or a UUID outside Prefect); every row a run writes carries it.';
COMMENT ON COLUMN runs.flow IS 'ingest | backfill | reparse.';
COMMENT ON COLUMN runs.parameters IS 'The parameters the run was started with.';
COMMENT ON COLUMN runs.started_at IS 'Run start (UTC).';
COMMENT ON COLUMN runs.finished_at IS 'Run end (UTC); NULL while running or if the process died.';
COMMENT ON COLUMN runs.status IS 'running | completed | failed.';
COMMENT ON COLUMN runs.code_version IS 'readout_pipeline version that ran.';
COMMENT ON COLUMN runs.parser_version IS 'Cleaning code version used for documents written by this run.';
COMMENT ON COLUMN runs.n_discovered IS 'Links discovered (after include/exclude filters).';
COMMENT ON COLUMN runs.n_fetched IS 'URLs fetched with a full body (HTTP 200).';
COMMENT ON COLUMN runs.n_not_modified IS 'URLs answered 304 Not Modified (no body downloaded, no parsing).';
COMMENT ON COLUMN runs.n_new_documents IS 'Documents (distinct texts) added.';
COMMENT ON COLUMN runs.n_new_versions IS 'URLs whose text changed: a new version was recorded.';
COMMENT ON COLUMN runs.n_duplicates IS 'URLs whose text was already stored under another URL (one more document_urls row).';
COMMENT ON COLUMN runs.n_unchanged IS 'URLs re-fetched whose text was unchanged.';
COMMENT ON COLUMN runs.n_filtered IS 'Pages dropped by the source keyword relevance filter.';
COMMENT ON COLUMN runs.n_skipped IS 'Pages not cleaned: not HTML/text (recorded with MIME type) or no main text.';
COMMENT ON COLUMN runs.n_failed IS 'URLs that failed (network, HTTP error, robots, blocked address, too large).';
COMMENT ON COLUMN runs.error IS 'Why the run failed, if it did.';

CREATE TABLE IF NOT EXISTS fetch_log (
    run_id       VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    source_id    VARCHAR,
    attempt      INTEGER NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    elapsed_ms   INTEGER NOT NULL,
    http_status  INTEGER,
    bytes        BIGINT NOT NULL,
    outcome      VARCHAR NOT NULL,
    error        VARCHAR
);
COMMENT ON TABLE fetch_log IS 'One row per HTTP attempt (retries included) of every run.';
COMMENT ON COLUMN fetch_log.run_id IS 'The run that made the attempt.';
COMMENT ON COLUMN fetch_log.url IS 'URL requested (as published, not canonicalized).';
COMMENT ON COLUMN fetch_log.source_id IS 'Source the URL belongs to.';
COMMENT ON COLUMN fetch_log.attempt IS '1 for the first attempt, 2 for the first retry, ...';
COMMENT ON COLUMN fetch_log.started_at IS 'Attempt start (UTC).';
COMMENT ON COLUMN fetch_log.elapsed_ms IS 'Attempt duration in milliseconds.';
COMMENT ON COLUMN fetch_log.http_status IS 'HTTP status received, NULL if none.';
COMMENT ON COLUMN fetch_log.bytes IS 'Body bytes received.';
COMMENT ON COLUMN fetch_log.outcome IS 'ok | not_modified | http_error | too_large | robots_disallowed | blocked_address | redirect_error | network_error | deadline_exceeded.';
COMMENT ON COLUMN fetch_log.error IS 'Error message for failed attempts.';

CREATE TABLE IF NOT EXISTS raw_pages (
    raw_sha256     VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    fetch_url      VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    fetched_at     TIMESTAMPTZ NOT NULL,
    content_type   VARCHAR,
    charset        VARCHAR,
    bytes          BIGINT NOT NULL,
    run_id         VARCHAR NOT NULL,
    PRIMARY KEY (url, raw_sha256)
);
COMMENT ON TABLE raw_pages IS 'Every distinct raw body fetched per URL; the body itself is in the archive at warehouse/raw/<ab>/<cd>/<raw_sha256>.gz.';
COMMENT ON COLUMN raw_pages.raw_sha256 IS 'SHA-256 of the raw body: its name in the archive.';
COMMENT ON COLUMN raw_pages.url IS 'Canonical URL (dedup key).';
COMMENT ON COLUMN raw_pages.fetch_url IS 'URL as published and fetched.';
COMMENT ON COLUMN raw_pages.source_id IS 'Source the URL belongs to.';
COMMENT ON COLUMN raw_pages.fetched_at IS 'When this body was first fetched (UTC).';
COMMENT ON COLUMN raw_pages.content_type IS 'MIME type from the server (or sniffed for files).';
COMMENT ON COLUMN raw_pages.charset IS 'Charset from the Content-Type header, if any.';
COMMENT ON COLUMN raw_pages.bytes IS 'Body size in bytes.';
COMMENT ON COLUMN raw_pages.run_id IS 'The run that fetched it.';

CREATE TABLE IF NOT EXISTS url_state (
    url                  VARCHAR PRIMARY KEY,
    fetch_url            VARCHAR NOT NULL,
    source_id            VARCHAR NOT NULL,
    lastmod              TIMESTAMPTZ,
    etag                 VARCHAR,
    last_modified        VARCHAR,
    last_fetched_at      TIMESTAMPTZ,
    last_status          INTEGER,
    last_outcome         VARCHAR,
    content_type         VARCHAR,
    last_raw_sha256      VARCHAR,
    doc_id               VARCHAR,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    run_id               VARCHAR NOT NULL
);
COMMENT ON TABLE url_state IS 'Crawl state per canonical URL: validators for conditional GET, what the last fetch gave, and the current document.';
COMMENT ON COLUMN url_state.url IS 'Canonical URL (courlan-normalized: no fragment, no tracking parameters).';
COMMENT ON COLUMN url_state.fetch_url IS 'URL as published: the one fetched.';
COMMENT ON COLUMN url_state.source_id IS 'Source the URL belongs to.';
COMMENT ON COLUMN url_state.lastmod IS 'Last modification announced by a sitemap or feed.';
COMMENT ON COLUMN url_state.etag IS 'ETag of the last 200 response (sent back as If-None-Match).';
COMMENT ON COLUMN url_state.last_modified IS 'Last-Modified of the last 200 response (sent back as If-Modified-Since).';
COMMENT ON COLUMN url_state.last_fetched_at IS 'When the URL was last requested (UTC).';
COMMENT ON COLUMN url_state.last_status IS 'HTTP status of the last request.';
COMMENT ON COLUMN url_state.last_outcome IS 'new | version | duplicate | unchanged | not_modified | filtered | not_text | no_text | a fetch failure outcome.';
COMMENT ON COLUMN url_state.content_type IS 'MIME type of the last body.';
COMMENT ON COLUMN url_state.last_raw_sha256 IS 'Archive name of the last body fetched.';
COMMENT ON COLUMN url_state.doc_id IS 'Current document at this URL (NULL if none was loaded).';
COMMENT ON COLUMN url_state.consecutive_failures IS 'Failed fetches in a row (0 after a success).';
COMMENT ON COLUMN url_state.run_id IS 'The run that last wrote this row.';

CREATE TABLE IF NOT EXISTS documents (
    doc_id          VARCHAR PRIMARY KEY,
    content_hash    VARCHAR NOT NULL UNIQUE,
    title           VARCHAR,
    text            VARCHAR NOT NULL,
    published_date  DATE,
    language        VARCHAR,
    author          VARCHAR,
    sitename        VARCHAR,
    word_count      INTEGER NOT NULL,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    source_id       VARCHAR NOT NULL,
    first_url       VARCHAR NOT NULL,
    raw_sha256      VARCHAR,
    parser_version  VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL
);
COMMENT ON TABLE documents IS 'One row per distinct cleaned text (exact dedup by SHA-256 of the normalized text).';
COMMENT ON COLUMN documents.doc_id IS 'Stable id: the first 16 hex characters of content_hash.';
COMMENT ON COLUMN documents.content_hash IS 'SHA-256 of the normalized text (Unicode NFC, whitespace folded).';
COMMENT ON COLUMN documents.title IS 'Title from the page metadata.';
COMMENT ON COLUMN documents.text IS 'Cleaned main text: boilerplate, cookie banners and share widgets removed.';
COMMENT ON COLUMN documents.published_date IS 'Publication date from the page metadata (or feed/sitemap date).';
COMMENT ON COLUMN documents.language IS 'Language code from the page metadata.';
COMMENT ON COLUMN documents.author IS 'Author from the page metadata, if any.';
COMMENT ON COLUMN documents.sitename IS 'Site name from the page metadata.';
COMMENT ON COLUMN documents.word_count IS 'Words in text.';
COMMENT ON COLUMN documents.first_seen_at IS 'When the text was first loaded (UTC).';
COMMENT ON COLUMN documents.source_id IS 'Source where the text was first seen.';
COMMENT ON COLUMN documents.first_url IS 'Canonical URL where the text was first seen.';
COMMENT ON COLUMN documents.raw_sha256 IS 'Archive name of the raw body it was cleaned from.';
COMMENT ON COLUMN documents.parser_version IS 'Cleaning code version that produced text.';
COMMENT ON COLUMN documents.run_id IS 'The run that added it.';

CREATE TABLE IF NOT EXISTS document_urls (
    url            VARCHAR NOT NULL,
    doc_id         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    fetch_url      VARCHAR NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    is_current     BOOLEAN NOT NULL,
    run_id         VARCHAR NOT NULL,
    PRIMARY KEY (url, doc_id)
);
COMMENT ON TABLE document_urls IS 'Where each document was seen: one row per (URL, document). The same text at several URLs has several rows; an edited URL keeps its old row with is_current = false.';
COMMENT ON COLUMN document_urls.url IS 'Canonical URL.';
COMMENT ON COLUMN document_urls.doc_id IS 'Document seen at the URL.';
COMMENT ON COLUMN document_urls.source_id IS 'Source the URL belongs to.';
COMMENT ON COLUMN document_urls.fetch_url IS 'URL as published.';
COMMENT ON COLUMN document_urls.first_seen_at IS 'First time this text was seen at this URL (UTC).';
COMMENT ON COLUMN document_urls.last_seen_at IS 'Last time this text was confirmed at this URL, by a 200 or a 304 (UTC).';
COMMENT ON COLUMN document_urls.is_current IS 'True if this is what the URL serves now.';
COMMENT ON COLUMN document_urls.run_id IS 'The run that last wrote this row.';

CREATE TABLE IF NOT EXISTS document_versions (
    url              VARCHAR NOT NULL,
    doc_id           VARCHAR NOT NULL,
    previous_doc_id  VARCHAR,
    seen_at          TIMESTAMPTZ NOT NULL,
    chars_added      INTEGER,
    chars_removed    INTEGER,
    run_id           VARCHAR NOT NULL,
    PRIMARY KEY (url, doc_id, seen_at)
);
COMMENT ON TABLE document_versions IS 'History of the text at each URL: one row per version, the first with previous_doc_id NULL.';
COMMENT ON COLUMN document_versions.url IS 'Canonical URL.';
COMMENT ON COLUMN document_versions.doc_id IS 'Document the URL served from seen_at on.';
COMMENT ON COLUMN document_versions.previous_doc_id IS 'Document it served before (NULL for the first version).';
COMMENT ON COLUMN document_versions.seen_at IS 'When the change was observed (UTC).';
COMMENT ON COLUMN document_versions.chars_added IS 'Characters added relative to the previous version (NULL for the first).';
COMMENT ON COLUMN document_versions.chars_removed IS 'Characters removed relative to the previous version (NULL for the first).';
COMMENT ON COLUMN document_versions.run_id IS 'The run that observed the change.';
