-- Schema 4: catalogs and calendars received from the central server (verified before they are
-- kept), and the central key they must be signed with.
ALTER TABLE sync_state ADD COLUMN server_key TEXT;
CREATE TABLE snapshots (
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    text    TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
