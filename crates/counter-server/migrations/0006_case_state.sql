-- Schema 6: `cases.state` holds the case's state by the core's lifecycle table (draft,
-- notified, accepted, …), no longer the kind of the last event; `immediate` says whether its
-- acceptance was an immediate one (即办件), which the table needs to judge a completion.
ALTER TABLE cases ADD COLUMN immediate INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET state = CASE
    WHEN state IN ('opened', 'answered', 'ticked', 'unticked', 'deferred', 'promised',
                   'omission', 'resumed') THEN 'draft'
    WHEN state = 'review_started' THEN 'in_review'
    ELSE state
END;
