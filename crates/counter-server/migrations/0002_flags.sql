-- Schema 2: the same applicant opening the same item at two points is flagged for review,
-- never merged.
ALTER TABLE cases ADD COLUMN id_hash TEXT;
CREATE INDEX cases_id ON cases (id_hash, item);
CREATE TABLE flags (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_no  TEXT NOT NULL,
    other    TEXT NOT NULL,
    reviewed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (case_no, other)
);
