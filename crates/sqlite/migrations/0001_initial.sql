-- tenantdesk's initial schema (SQLite). Forward-only: later changes are new files.
-- Times are Unix milliseconds (UTC); ids are lowercase hyphenated UUIDs.
-- Tables of customer data lead their keys with customer_id (shard-ready).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE partners (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    portal_domain TEXT UNIQUE,
    created_at    INTEGER NOT NULL
);

CREATE TABLE customers (
    id                   TEXT PRIMARY KEY,
    partner_id           TEXT NOT NULL REFERENCES partners (id),
    company_name         TEXT NOT NULL,
    provider_instance_id TEXT NOT NULL,
    created_at           INTEGER NOT NULL
);
CREATE INDEX customers_by_partner ON customers (partner_id, created_at, id);

CREATE TABLE customer_domains (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    domain      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, domain)
);
-- A domain belongs to one tenant, as in Entra.
CREATE UNIQUE INDEX customer_domains_unique_domain ON customer_domains (domain);

CREATE TABLE users (
    customer_id           TEXT NOT NULL REFERENCES customers (id),
    id                    TEXT NOT NULL,
    partner_id            TEXT NOT NULL,
    upn                   TEXT NOT NULL,
    upn_lower             TEXT NOT NULL,
    first_name            TEXT,
    last_name             TEXT,
    display_name          TEXT NOT NULL,
    usage_location        TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('active', 'inactive')),
    soft_deleted_at       INTEGER,
    force_change_password INTEGER NOT NULL,
    password_hash         TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    PRIMARY KEY (customer_id, id)
);
-- Active UPNs are unique per customer, case-insensitively: enforced here, not only checked.
CREATE UNIQUE INDEX users_active_upn ON users (customer_id, upn_lower) WHERE state = 'active';
CREATE INDEX users_by_upn ON users (customer_id, state, upn_lower, id);
CREATE INDEX users_by_display_name ON users (customer_id, state, display_name, id);
CREATE INDEX users_deleted ON users (soft_deleted_at) WHERE state = 'inactive';

CREATE TABLE audit_records (
    partner_id     TEXT NOT NULL,
    id             TEXT NOT NULL,
    at             INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    customer_id    TEXT,
    resource_id    TEXT,
    operation      TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    request_id     TEXT,
    correlation_id TEXT,
    PRIMARY KEY (partner_id, id)
);
CREATE INDEX audit_records_by_time ON audit_records (partner_id, at, id);
-- Audit records are append-only.
CREATE TRIGGER audit_records_append_only BEFORE UPDATE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

CREATE TABLE idempotent_responses (
    partner_id  TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (partner_id, request_id, fingerprint)
);
CREATE INDEX idempotent_responses_by_age ON idempotent_responses (created_at);
