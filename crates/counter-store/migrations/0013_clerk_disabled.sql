-- Schema 13: an account the supervisor stopped (a clerk who left, a lost password) is kept,
-- with its history, but signs in no more.
ALTER TABLE clerks ADD COLUMN disabled_at TEXT;
