-- Schema 5: when the central office made a decision (审核, 退回, 办结), so a counter stamps its
-- copy of the case with the decision's own time rather than the time it pulled it.
ALTER TABLE changes ADD COLUMN at TEXT;
