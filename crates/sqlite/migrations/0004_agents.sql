-- The web console's accounts: a partner's agents, their sessions and the throttling of failed
-- sign-ins. An agent's UPN is unique across partners (the sign-in page asks for nothing else).
CREATE TABLE agents (
    id                   TEXT PRIMARY KEY,
    partner_id           TEXT NOT NULL REFERENCES partners (id),
    upn                  TEXT NOT NULL,
    upn_lower            TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('admin-agent', 'helpdesk-agent', 'sales-agent')),
    password_hash        TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    must_change_password INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    password_changed_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX agents_upn ON agents (upn_lower);
CREATE INDEX agents_by_partner ON agents (partner_id, upn_lower);

-- Only the SHA-256 of a session's secret is kept: the database alone cannot sign anyone in.
CREATE TABLE agent_sessions (
    id_hash      TEXT PRIMARY KEY,
    agent_id     TEXT NOT NULL REFERENCES agents (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX agent_sessions_by_agent ON agent_sessions (agent_id);
CREATE INDEX agent_sessions_by_age ON agent_sessions (last_seen_at);

-- Failed sign-ins by what they are counted against (an agent, a client address).
CREATE TABLE sign_in_failures (
    subject         TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER
);
