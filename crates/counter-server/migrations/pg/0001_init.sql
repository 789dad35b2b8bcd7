-- Central store on PostgreSQL, schema 1 (same tables as migrations/0001_init.sql).
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
    revoked  BIGINT NOT NULL DEFAULT 0,
    last_seq BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE events (
    device   TEXT NOT NULL REFERENCES devices (id),
    seq      BIGINT NOT NULL,
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
-- A sequence value is taken at insert, not at commit: `decide` locks this table in EXCLUSIVE
-- mode first, so changes commit in sequence order and a cursor never skips a late commit.
CREATE TABLE changes (
    seq     BIGSERIAL PRIMARY KEY,
    point   TEXT NOT NULL,
    case_no TEXT NOT NULL,
    status  TEXT NOT NULL,
    reason  TEXT,
    by      TEXT NOT NULL
);
CREATE INDEX changes_point ON changes (point, seq);
