-- Schema 5: assisted service — hand-over sheets, where each case's paper is, ratings to
-- follow up; and the push sequence separated from the local event order.

-- The device's gap-free push sequence. Events that came from elsewhere (the central office,
-- another point) are kept in `events` for the audit trail but never pushed: they get none.
-- Existing events keep the number they were (or will be) pushed with.
ALTER TABLE events ADD COLUMN wire_seq INTEGER;
UPDATE events SET wire_seq = seq;
CREATE UNIQUE INDEX events_wire_seq ON events (wire_seq);

-- Plain columns the ledger filters on: the point holding the paper (NULL: none, or in
-- transit, or back with the applicant), and the due date of an unanswered 差评.
ALTER TABLE cases ADD COLUMN holder TEXT;
ALTER TABLE cases ADD COLUMN follow_up_due TEXT;
UPDATE cases SET holder = point WHERE state IN ('accepted', 'in_review', 'returned', 'completed');
CREATE INDEX cases_holder ON cases (holder);
CREATE INDEX cases_follow_up ON cases (follow_up_due);

-- 材料交接单, sent by this point or addressed to it.
CREATE TABLE sheets (
    sheet_no    TEXT PRIMARY KEY,
    from_point  TEXT NOT NULL,
    to_point    TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    sent_by     TEXT NOT NULL,
    received_at TEXT,
    received_by TEXT,
    recalled_at TEXT                -- taken back by the sender before anyone received it
);
CREATE INDEX sheets_pending ON sheets (received_at, recalled_at, sent_at);
CREATE TABLE sheet_cases (
    sheet_no TEXT NOT NULL REFERENCES sheets (sheet_no),
    case_no  TEXT NOT NULL,
    pos      INTEGER NOT NULL,
    PRIMARY KEY (sheet_no, case_no)
);

-- The point's registration on the central server (level A–E, office name).
ALTER TABLE sync_state ADD COLUMN level TEXT;
ALTER TABLE sync_state ADD COLUMN office_name TEXT;
