-- The outward half: partners, the transactional outbox, webhooks and their deliveries, notices.

-- Partners: the 110 desk, the province platform, a legacy line's system, a unit's office system.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('agent','dispatcher','handler','callback','supervisor','admin','auditor','partner'));
ALTER TABLE users
    ADD COLUMN partner_hotline  text REFERENCES hotlines(number),
    ADD COLUMN partner_channels text[] NOT NULL DEFAULT '{}' CHECK (cardinality(partner_channels) <= 20),
    ADD COLUMN partner_unit_id  bigint REFERENCES units(id),
    ADD CONSTRAINT users_partner_bound CHECK (role <> 'partner' OR (partner_hotline IS NOT NULL AND cardinality(partner_channels) >= 1));

-- Which partner a ticket belongs to: the one that registered it, or the one it was transferred to.
CREATE TABLE ticket_partners (
    ticket_id   bigint NOT NULL REFERENCES tickets(id),
    partner_id  bigint NOT NULL REFERENCES users(id),
    relation    text NOT NULL CHECK (relation IN ('registered','received')),
    external_id text CHECK (length(external_id) <= 100),
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, partner_id)
);
CREATE INDEX ticket_partners_partner ON ticket_partners (partner_id, ticket_id);

-- The outbox: every event row is queued here in its own transaction (statement trigger), and
-- taken off by the fan-out, which gives it its place in the feed and its deliveries.
CREATE TABLE outbox (event_id bigint PRIMARY KEY);
CREATE FUNCTION queue_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('hotline.outbox', true), '') <> 'off' THEN
        INSERT INTO outbox (event_id) SELECT id FROM new_events;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ticket_events_outbox AFTER INSERT ON ticket_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION queue_events();

-- The feed's order is the fan-out's order: only committed events get a position, and positions
-- are given by one fan-out at a time, so a reader's cursor never skips an event that commits late.
CREATE TABLE event_feed (
    seq      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id bigint NOT NULL UNIQUE REFERENCES ticket_events(id)
);

CREATE TABLE webhooks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url           text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    events        text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    unit_id       bigint REFERENCES units(id),
    partner_id    bigint REFERENCES users(id),
    personal_data boolean NOT NULL DEFAULT false,
    active        boolean NOT NULL DEFAULT true,
    secret_box    bytea NOT NULL,
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT personal_data OR (unit_id IS NULL AND partner_id IS NULL)),
    CHECK (unit_id IS NULL OR partner_id IS NULL)
);

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        bigint NOT NULL REFERENCES ticket_events(id),
    ticket_id       bigint NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed')),
    attempts        integer NOT NULL DEFAULT 0,
    last_status     integer,
    last_error      text CHECK (length(last_error) <= 500),
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    retry_from      timestamptz NOT NULL DEFAULT now(),   -- given up a day after this (a redelivery starts it again)
    lease_until     timestamptz,
    delivered_at    timestamptz,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, ticket_id, event_id) WHERE status = 'pending';

ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check CHECK (action IN ('read','list','reveal','export','deliver'));

-- Notice texts (for the units' SMS / 政务微信 gateway and the caller's SMS), edited by the admin.
CREATE TABLE notice_templates (
    key      text PRIMARY KEY CHECK (key ~ '^(unit|caller)\.[a-z_]+$'),
    template text NOT NULL CHECK (length(template) BETWEEN 1 AND 500)
);
INSERT INTO notice_templates VALUES
    ('unit.dispatched',  '【12345】工单{number}已派至{unit}（{role}），请于{response_deadline}前签收，{close_deadline}前办结。事项：{title}'),
    ('unit.reminder',    '【12345】提醒单：工单{number}（{title}）{clock}时限{deadline}将到，请及时办理。'),
    ('unit.urging',      '【12345】催办单：工单{number}（{title}）已超{clock}时限，请立即办理。'),
    ('unit.supervision', '【12345】督办单：工单{number}（{title}）超期未办，已列入督办，请于{required_by}前报告办理情况。'),
    ('unit.referral',    '【12345】通报函：工单{number}（{title}）经催办、督办仍未办结，已提请通报。'),
    ('caller.registered','【12345】您反映的问题已受理，工单号{number}，查询码{code}，可凭此查询办理进度。'),
    ('caller.closed',    '【12345】您反映的问题（工单号{number}）已办结，感谢您对12345热线的支持。');

-- Keys the service keeps for itself when none is given in the environment (webhook secrets).
CREATE TABLE service_keys (
    name       text PRIMARY KEY,
    key        bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- 110's "handled" closes a ticket transferred to it.
ALTER TABLE tickets DROP CONSTRAINT tickets_closed_reason_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_closed_reason_check
    CHECK (closed_reason IN ('callback','unreachable','unreasonable','direct_answer','linked_result'));

CREATE TRIGGER notice_templates_stamp AFTER INSERT OR UPDATE OR DELETE ON notice_templates FOR EACH STATEMENT EXECUTE FUNCTION bump_config_stamp();
