-- A recorded answer belongs to the actor who made the request (agent UPN, or `app`), not just to
-- the partner: a replay is served to that actor only. The key gains the actor, which SQLite can
-- only do by rebuilding the table. Answers recorded before this migration have no known actor and
-- are not replayed to anyone (they expire within 24 hours anyway).
CREATE TABLE idempotent_responses_new (
    partner_id  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (partner_id, actor, request_id, fingerprint)
);
INSERT INTO idempotent_responses_new (partner_id, actor, request_id, fingerprint, status, body, created_at)
    SELECT partner_id, '', request_id, fingerprint, status, body, created_at FROM idempotent_responses;
DROP TABLE idempotent_responses;
ALTER TABLE idempotent_responses_new RENAME TO idempotent_responses;
CREATE INDEX idempotent_responses_by_age ON idempotent_responses (created_at);
