-- Schema 7: the central server's rejections, kept with their reasons (the outbox forgets an
-- acknowledged event), so after a restart the clerk and the supervisor still see what central
-- refused and why.
CREATE TABLE rejections (
    wire_seq INTEGER PRIMARY KEY,
    case_no  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    title    TEXT NOT NULL,
    sheet_no TEXT,
    reason   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX rejections_case ON rejections (case_no);
CREATE INDEX rejections_sheet ON rejections (sheet_no);
