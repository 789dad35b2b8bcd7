-- Schema 6: every catalog edition received from the central server, kept after a newer one
-- replaces it, so a case is ticked, decided and printed under the edition it was opened with.
CREATE TABLE catalog_history (
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    text    TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
INSERT INTO catalog_history (id, version, text)
    SELECT id, version, text FROM snapshots WHERE kind = 'catalog';
