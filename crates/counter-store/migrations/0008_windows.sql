-- Schema 8: the window (窗口号) the central server confirmed at enrolment, part of every case
-- and sheet number this device makes.
ALTER TABLE sync_state ADD COLUMN window_no INTEGER;

-- Repair of schema 5, which gave every event a push sequence (`wire_seq = seq`), including
-- the central office's decisions a schema-4 store had pulled (审核, 退回): those were never to
-- be pushed. They lose their push number; the sync then renumbers what is still unsent after
-- the server's last acknowledged event (the server answers such a batch with `gap`).
UPDATE events SET wire_seq = NULL
 WHERE kind IN ('review_started', 'returned')
   AND seq NOT IN (SELECT seq FROM outbox);

-- Received catalogs and calendars keep their central signature and are verified again
-- whenever they are loaded. Rows kept before have none: they are not used, and the next sync
-- fetches them again (signed).
ALTER TABLE snapshots ADD COLUMN signature TEXT;
ALTER TABLE catalog_history ADD COLUMN signature TEXT;
