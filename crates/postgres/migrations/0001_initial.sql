-- tenantdesk's schema (PostgreSQL). Forward-only: later changes are new files.
-- Tables of customer data lead their keys with customer_id, so the schema distributes by customer
-- (Citus' multi-tenant pattern). Sort columns use the "C" collation so that lists are ordered
-- exactly as on SQLite.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE partners (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL,
    portal_domain TEXT CONSTRAINT partners_portal_domain_key UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
    id                   UUID PRIMARY KEY,
    partner_id           UUID NOT NULL REFERENCES partners (id),
    company_name         TEXT NOT NULL,
    provider_instance_id UUID NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX customers_by_partner ON customers (partner_id, created_at, id);

CREATE TABLE customer_domains (
    customer_id UUID NOT NULL REFERENCES customers (id),
    domain      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, domain)
);
-- A domain belongs to one tenant, as in Entra.
CREATE UNIQUE INDEX customer_domains_unique_domain ON customer_domains (domain);

CREATE TABLE users (
    customer_id           UUID NOT NULL REFERENCES customers (id),
    id                    UUID NOT NULL,
    partner_id            UUID NOT NULL,
    upn                   TEXT NOT NULL,
    upn_lower             TEXT COLLATE "C" NOT NULL,
    first_name            TEXT,
    last_name             TEXT,
    display_name          TEXT COLLATE "C" NOT NULL,
    usage_location        TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('active', 'inactive')),
    soft_deleted_at       TIMESTAMPTZ,
    force_change_password BOOLEAN NOT NULL,
    password_hash         TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, id)
);
-- Active UPNs are unique per customer, case-insensitively: enforced here, not only checked.
CREATE UNIQUE INDEX users_active_upn ON users (customer_id, upn_lower) WHERE state = 'active';
CREATE INDEX users_by_upn ON users (customer_id, state, upn_lower, id);
CREATE INDEX users_by_display_name ON users (customer_id, state, display_name, id);
CREATE INDEX users_deleted ON users (soft_deleted_at) WHERE state = 'inactive';

CREATE TABLE role_members (
    customer_id UUID NOT NULL,
    role_id     UUID NOT NULL,
    user_id     UUID NOT NULL,
    partner_id  UUID NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT role_members_pkey PRIMARY KEY (customer_id, role_id, user_id),
    FOREIGN KEY (customer_id, user_id) REFERENCES users (customer_id, id) ON DELETE CASCADE
);
CREATE INDEX role_members_by_user ON role_members (customer_id, user_id);

CREATE TABLE audit_records (
    partner_id     UUID NOT NULL,
    id             UUID NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    actor          TEXT NOT NULL,
    customer_id    UUID,
    resource_id    TEXT,
    operation      TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    request_id     TEXT,
    correlation_id TEXT,
    PRIMARY KEY (partner_id, id)
);
CREATE INDEX audit_records_by_time ON audit_records (partner_id, at, id);
CREATE INDEX audit_records_by_correlation ON audit_records (partner_id, correlation_id);
CREATE INDEX audit_records_by_age ON audit_records (at);
-- Audit records are append-only.
CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END;
$$;
CREATE TRIGGER audit_records_append_only BEFORE UPDATE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();

CREATE TABLE idempotent_responses (
    partner_id  UUID NOT NULL,
    request_id  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT idempotent_responses_pkey PRIMARY KEY (partner_id, request_id, fingerprint)
);
CREATE INDEX idempotent_responses_by_age ON idempotent_responses (created_at);
