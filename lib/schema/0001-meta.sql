-- The database's own facts: when it was created and by which libcs.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO meta (key, value) VALUES ('created_at', strftime('%s', 'now'));
