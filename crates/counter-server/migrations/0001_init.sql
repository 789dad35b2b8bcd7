-- Central store, schema 1. Forward-only.
CREATE TABLE enroll_codes (
    code    TEXT PRIMARY KEY,
    point   TEXT NOT NULL,
    level   TEXT,
    name    TEXT,
    used_by TEXT
);
CREATE TABLE devices (
    id       TEXT PRIMARY KEY,
    point    TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    name     TEXT,
    revoked  INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0
);
-- Every event exactly once: (device, seq) and the event id are unique.
CREATE TABLE events (
    device   TEXT NOT NULL REFERENCES devices (id),
    seq      INTEGER NOT NULL,
    id       TEXT NOT NULL UNIQUE,
    case_no  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    body     TEXT NOT NULL,
    rejected TEXT,
    PRIMARY KEY (device, seq)
);
CREATE TABLE cases (
    case_no TEXT PRIMARY KEY,
    point   TEXT NOT NULL,
    item    TEXT,
    state   TEXT NOT NULL
);
-- Central decisions for the owning point, pulled after a cursor. SQLite has one writer, so a
-- sequence is assigned in commit order and the cursor cannot skip a late commit.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    point   TEXT NOT NULL,
    case_no TEXT NOT NULL,
    status  TEXT NOT NULL,
    reason  TEXT,
    by      TEXT NOT NULL
);
CREATE INDEX changes_point ON changes (point, seq);
