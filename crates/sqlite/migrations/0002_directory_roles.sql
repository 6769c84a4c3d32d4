-- Directory role memberships. A deleted user keeps its roles while restorable; purging the user
-- removes them (ON DELETE CASCADE).
CREATE TABLE role_members (
    customer_id TEXT NOT NULL,
    role_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    partner_id  TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, role_id, user_id),
    FOREIGN KEY (customer_id, user_id) REFERENCES users (customer_id, id) ON DELETE CASCADE
);
CREATE INDEX role_members_by_user ON role_members (customer_id, user_id);

-- Audit records are found by correlation id, and purged by age.
CREATE INDEX audit_records_by_correlation ON audit_records (partner_id, correlation_id);
CREATE INDEX audit_records_by_age ON audit_records (at);
