-- Schema 12: the alerts at the window (a return from the centre, a case nearly or already
-- overdue) a clerk has opened. An alert is shown until its case is opened; `mark` is a keyed
-- hash of what made it (the return's reason, the due date), so a second return or a new due
-- date alerts again.
CREATE TABLE alerts_seen (
    case_no TEXT NOT NULL,
    kind TEXT NOT NULL,
    mark BLOB NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (case_no, kind, mark)
);
