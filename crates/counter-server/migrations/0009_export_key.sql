-- Schema 9: each device's export key (sealed under the server's data key), so an export file
-- opens only if that device made it. Devices enrolled before have none and enrol again to
-- export.
ALTER TABLE devices ADD COLUMN export_key TEXT;
