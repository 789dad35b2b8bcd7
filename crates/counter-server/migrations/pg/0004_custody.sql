-- Schema 4: assisted service. The points that are part of a case — the one that accepted it
-- and every point named on a hand-over sheet of it — each receive the others' hand-over,
-- receipt, hand-back and rating events, and the central decisions, as changes with a body.
CREATE TABLE case_points (
    case_no TEXT NOT NULL,
    point   TEXT NOT NULL,
    PRIMARY KEY (case_no, point)
);
INSERT INTO case_points (case_no, point) SELECT case_no, point FROM cases;
ALTER TABLE changes ADD COLUMN body TEXT;
