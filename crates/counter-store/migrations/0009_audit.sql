-- Schema 9: the workstation's audit log (sign-ins, failed sign-ins, locks, the supervisor's
-- actions, exports, backups, settings changes), which the supervisor can read. No applicant's
-- personal data is written here.
CREATE TABLE audit (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    who    TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
);
