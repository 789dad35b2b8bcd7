-- Schema 3: this device's link to the central server.
CREATE TABLE sync_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server       TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    device_key   BLOB NOT NULL,     -- encrypted like personal data
    point        TEXT NOT NULL,
    cursor       INTEGER NOT NULL DEFAULT 0,
    last_success TEXT,
    last_error   TEXT
);
