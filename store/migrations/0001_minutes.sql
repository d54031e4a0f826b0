-- Minute records: batches staged as they arrive, hourly chunks after
-- compaction, and the dictionaries of agent and series names the chunks
-- refer to. {{ID}} and {{BLOB}} are replaced per dialect (see dialect.go).

CREATE TABLE agents (
	id {{ID}},
	name TEXT NOT NULL UNIQUE
);

CREATE TABLE series (
	id {{ID}},
	name TEXT NOT NULL UNIQUE
);

-- One row per distinct batch an agent delivered for a minute; an exact
-- repeat has the same hash and is not stored again.
CREATE TABLE staged (
	id {{ID}},
	agent TEXT NOT NULL,
	minute BIGINT NOT NULL,
	start_minute BIGINT NOT NULL,
	hash {{BLOB}} NOT NULL,
	payload {{BLOB}} NOT NULL,
	UNIQUE (agent, minute, hash)
);

CREATE INDEX staged_start ON staged (start_minute, agent);

-- One row per agent per compacted hour: every series of that agent.
CREATE TABLE chunks (
	start_minute BIGINT NOT NULL,
	agent_id BIGINT NOT NULL REFERENCES agents (id),
	data {{BLOB}} NOT NULL,
	PRIMARY KEY (start_minute, agent_id)
);
