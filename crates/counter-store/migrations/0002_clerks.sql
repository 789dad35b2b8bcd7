-- Schema 2: clerk accounts of this workstation (the supervisor creates them).
CREATE TABLE clerks (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor')),
    password_hash TEXT NOT NULL,    -- argon2id, PHC string
    failed        INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,             -- yyyy-mm-ddThh:mm:ss after too many wrong passwords
    created_at    TEXT NOT NULL
);
