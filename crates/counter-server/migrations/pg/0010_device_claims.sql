-- Schema 10: what a device may tell.
-- The case as the server judged it (every reported event replayed through the core's rules
-- under the case's catalog edition), sealed and bound to its case number. NULL on cases of an
-- earlier version, which are judged by their state alone.
ALTER TABLE cases ADD COLUMN body TEXT;
-- A device stopped because two stores push as it (a copied PC): why, in words. NULL while
-- in service.
ALTER TABLE devices ADD COLUMN cloned TEXT;
-- The windows of the devices this one took over at re-enrolment (comma-separated): its
-- earlier cases carry their numbers.
ALTER TABLE devices ADD COLUMN earlier_windows TEXT;
-- The id of each case's opening event: a decision names it, so a counter applies it only
-- to the case that opening made.
ALTER TABLE cases ADD COLUMN opening TEXT;
