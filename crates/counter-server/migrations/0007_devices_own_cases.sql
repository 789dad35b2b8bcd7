-- Schema 7: many windows, re-enrolment, restored stores.
-- The window (窗口号) of each device at its point; two devices of a point never share one
-- while both are in service (checked at enrolment).
ALTER TABLE devices ADD COLUMN window_no INTEGER NOT NULL DEFAULT 1;
-- The device that opened each case: only it records the case's own events, and a central
-- decision names it, so a second device's case of the same number is never touched.
ALTER TABLE cases ADD COLUMN device TEXT;
-- Each stored event's content hash: an id is bound to one content.
ALTER TABLE events ADD COLUMN hash TEXT;
