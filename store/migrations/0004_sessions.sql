-- Web portal sessions: a signed-in browser holds a random session ID in a
-- cookie; the session acts with the token it was opened with, so that
-- revoking or expiring the token ends its sessions.

CREATE TABLE sessions (
	hash TEXT PRIMARY KEY,           -- hex SHA-256 of the session ID; the ID itself is never stored
	token TEXT NOT NULL,             -- the hash of the token signed in with
	csrf TEXT NOT NULL,              -- the session's anti-forgery token, in every form
	created_at BIGINT NOT NULL,      -- unix seconds
	expires_at BIGINT NOT NULL       -- unix seconds
);

CREATE INDEX sessions_token ON sessions (token);
