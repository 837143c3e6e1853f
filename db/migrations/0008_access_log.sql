-- Access log: every read of unmasked personal data and every export that contains it.
-- Append-only: updates and deletes are refused by trigger (in production the schema is owned
-- by a migration role and the service's role is granted INSERT and SELECT only; see deploy/).
CREATE TABLE access_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users(id),
    actor_role  text NOT NULL,
    action      text NOT NULL CHECK (action IN ('read','list','reveal','export')),
    ticket_id   bigint REFERENCES tickets(id),
    fields      text[] NOT NULL DEFAULT '{}',
    request_id  text,
    reason      text NOT NULL DEFAULT '' CHECK (length(reason) <= 500)
);
CREATE INDEX access_log_ticket ON access_log (ticket_id, at);
CREATE INDEX access_log_actor ON access_log (actor_id, at);
CREATE INDEX access_log_at ON access_log (at);
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
