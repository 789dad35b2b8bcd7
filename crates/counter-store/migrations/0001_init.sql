-- Schema 1. Forward-only: never edit once shipped; add 0002_….sql instead.
-- Personal data lives only inside the encrypted `body` columns; the plain columns are what the
-- ledger filters on (no names, no phone numbers, ID numbers only masked or as a keyed hash).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- The device's own daily sequence of case numbers per point.
CREATE TABLE day_seq (
    point TEXT NOT NULL,
    day   TEXT NOT NULL,
    last  INTEGER NOT NULL,
    PRIMARY KEY (point, day)
);

CREATE TABLE cases (
    case_no     TEXT PRIMARY KEY,
    point       TEXT NOT NULL,
    clerk       TEXT NOT NULL,
    catalog     TEXT NOT NULL,
    item        TEXT NOT NULL,
    item_name   TEXT NOT NULL,
    bundle      TEXT,
    state       TEXT NOT NULL,
    opened_on   TEXT NOT NULL,      -- yyyy-mm-dd, local date of opening
    due_on      TEXT,               -- yyyy-mm-dd once accepted with a date
    provisional INTEGER NOT NULL DEFAULT 0,
    id_hash     BLOB NOT NULL,      -- HMAC of the applicant's ID number / credit code
    id_masked   TEXT NOT NULL,
    body        BLOB NOT NULL       -- the case as JSON, encrypted
);
CREATE INDEX cases_opened ON cases (opened_on);
CREATE INDEX cases_id ON cases (id_hash);
CREATE INDEX cases_state_due ON cases (state, due_on);
CREATE INDEX cases_item ON cases (item, opened_on);
CREATE INDEX cases_clerk ON cases (clerk, opened_on);

-- Every change, appended in the same transaction as the new state. `seq` is the device's
-- gap-free sequence (rows are never deleted); `id` a UUIDv7 for the central server.
CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    id      TEXT NOT NULL UNIQUE,
    case_no TEXT NOT NULL REFERENCES cases (case_no),
    kind    TEXT NOT NULL,
    at      TEXT NOT NULL,
    body    BLOB NOT NULL           -- the event as JSON, encrypted
);
CREATE INDEX events_case ON events (case_no, seq);

-- Events not yet acknowledged by the central server.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY REFERENCES events (seq)
);
