-- Schema 3 (PostgreSQL): signed catalog and calendar snapshots, and the server's signing key.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE snapshots (
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    version   BIGINT NOT NULL,
    text      TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (kind, id, version)
);
