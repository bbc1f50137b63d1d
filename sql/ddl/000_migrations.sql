-- Which files of sql/ddl have been applied to this database.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     VARCHAR PRIMARY KEY,
    applied_at  TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE schema_migrations IS 'DDL files (sql/ddl/*.sql) applied to this database, by file name.';
COMMENT ON COLUMN schema_migrations.version IS 'File name of the applied DDL file.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied (UTC).';
