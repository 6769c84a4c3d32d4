-- A recorded answer belongs to the actor who made the request (agent UPN, or `app`), not just to
-- the partner: a replay is served to that actor only, so the key gains the actor. Answers
-- recorded before this migration have no known actor and are not replayed to anyone (they expire
-- within 24 hours anyway).
ALTER TABLE idempotent_responses ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotent_responses ALTER COLUMN actor DROP DEFAULT;
ALTER TABLE idempotent_responses DROP CONSTRAINT idempotent_responses_pkey;
ALTER TABLE idempotent_responses
    ADD CONSTRAINT idempotent_responses_pkey PRIMARY KEY (partner_id, actor, request_id, fingerprint);
