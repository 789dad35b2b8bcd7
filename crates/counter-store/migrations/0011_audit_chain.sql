-- Schema 11: each audit line is chained to the one before by a keyed hash (HMAC under a key
-- derived from the store key), so a line edited, inserted or removed behind the program's back
-- shows when the supervisor reads the log. Lines of earlier versions are chained at the first
-- new line.
ALTER TABLE audit ADD COLUMN chain BLOB;
