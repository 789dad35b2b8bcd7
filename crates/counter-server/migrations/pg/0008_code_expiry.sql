-- Schema 8: enrolment codes expire. A code issued before this schema has no issue time and
-- counts as expired: the administrator issues a new one.
ALTER TABLE enroll_codes ADD COLUMN issued_at TEXT;
