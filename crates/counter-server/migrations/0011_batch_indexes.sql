-- Schema 11: what a push reads in one statement per kind, found by index: a case's
-- hand-overs and receipts (the paper's way), and the offices a hand-over may name.
CREATE INDEX events_case ON events (case_no, kind);
CREATE INDEX enroll_codes_point ON enroll_codes (point);
