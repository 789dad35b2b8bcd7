ALTER TABLE cases ADD COLUMN id_hash TEXT;
CREATE INDEX cases_id ON cases (id_hash, item);
CREATE TABLE flags (
    id       BIGSERIAL PRIMARY KEY,
    case_no  TEXT NOT NULL,
    other    TEXT NOT NULL,
    reviewed BIGINT NOT NULL DEFAULT 0,
    UNIQUE (case_no, other)
);
