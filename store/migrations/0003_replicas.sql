-- Several servers on one PostgreSQL database: leases (which replica
-- judges which customer, which replicas are alive), the change feed (what
-- one replica wrote that the others must load), claims of outbox rows,
-- and token expiry and revocation.

CREATE TABLE leases (
	name TEXT PRIMARY KEY,           -- replica/<id>, customer/<id>
	owner TEXT NOT NULL,             -- the replica holding it
	until_ms BIGINT NOT NULL         -- unix milliseconds: free after this
);

CREATE TABLE changes (
	seq {{ID}},
	origin TEXT NOT NULL,            -- the replica that wrote
	kind TEXT NOT NULL,              -- a document kind, or "minutes"
	customer TEXT NOT NULL DEFAULT '',
	id TEXT NOT NULL DEFAULT '',     -- the document's ID
	agent TEXT NOT NULL DEFAULT '',  -- minutes: the agent that delivered
	lo BIGINT NOT NULL DEFAULT 0,    -- minutes: the first and last minute delivered
	hi BIGINT NOT NULL DEFAULT 0,
	at_ms BIGINT NOT NULL            -- unix milliseconds, the writer's clock
);

CREATE INDEX changes_at ON changes (at_ms);

ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';

ALTER TABLE tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;  -- unix seconds; 0: never
ALTER TABLE tokens ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;  -- unix seconds; 0: not revoked
