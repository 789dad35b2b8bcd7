-- Schema 12: the central console. Staff accounts (argon2id hashes; reviewers may be limited
-- to some points), their sessions (only a hash of the cookie's token is kept) and the audit
-- log of who signed in, decided, exported or looked at an applicant's unmasked data. Times
-- are Unix seconds.
CREATE TABLE staff (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    points       TEXT,
    hash         TEXT NOT NULL,
    disabled     BIGINT NOT NULL DEFAULT 0,
    failures     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT
);
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    name       TEXT NOT NULL REFERENCES staff (name),
    last_seen  BIGINT NOT NULL
);
CREATE TABLE audit (
    id      BIGSERIAL PRIMARY KEY,
    at      BIGINT NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT
);
-- The day each case was opened (from its opening), so the figures of a period read only that
-- period's cases; NULL for cases stored before this schema (read and filtered as before).
ALTER TABLE cases ADD COLUMN opened_on TEXT;
CREATE INDEX cases_opened ON cases (opened_on);
