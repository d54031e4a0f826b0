-- The server's API state: tokens (hashed), documents by customer (the
-- customer itself, its contract, maintenance windows, exclusions,
-- tickets, events, claims, outages, incidents, reports) and the outbox of
-- notices to send.

CREATE TABLE tokens (
	hash TEXT PRIMARY KEY,           -- hex SHA-256 of the token; the token itself is never stored
	role TEXT NOT NULL,              -- operator, customer or agent
	customer TEXT NOT NULL DEFAULT '',
	agent TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);

CREATE TABLE docs (
	customer TEXT NOT NULL,
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	body TEXT NOT NULL,              -- JSON
	updated_at BIGINT NOT NULL,      -- unix milliseconds
	PRIMARY KEY (customer, kind, id)
);

CREATE TABLE outbox (
	id TEXT PRIMARY KEY,             -- notice id and channel name
	customer TEXT NOT NULL,
	notice TEXT NOT NULL,            -- JSON of the notice
	channel TEXT NOT NULL,
	state TEXT NOT NULL,             -- pending, sent or failed
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at BIGINT NOT NULL,         -- unix milliseconds
	sent_at BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);

CREATE INDEX outbox_due ON outbox (state, next_at);
