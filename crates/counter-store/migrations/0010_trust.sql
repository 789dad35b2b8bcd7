-- Schema 10: what the counter pinned at enrolment. The server's certificate authority (PEM;
-- every request trusts it alone) and the signing keys it followed before the current one
-- (announced under the key before them; kept editions signed by them stay valid).
ALTER TABLE sync_state ADD COLUMN server_ca TEXT;
ALTER TABLE sync_state ADD COLUMN retired_keys TEXT;
