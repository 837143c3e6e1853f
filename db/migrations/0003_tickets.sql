-- Tickets (工单), their append-only event log, assignments to units, idempotency keys.
CREATE TABLE ticket_number_counters (
    day   date PRIMARY KEY,
    last  integer NOT NULL
);

CREATE TABLE tickets (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number         text NOT NULL UNIQUE,
    query_code     text NOT NULL CHECK (query_code ~ '^[0-9]{6}$'),
    hotline_number text NOT NULL REFERENCES hotlines(number),
    channel        text NOT NULL CHECK (channel IN ('phone','wechat','app','web','email','sms','transfer_110','upper_platform','grid','letter')),
    external_id    text CHECK (length(external_id) BETWEEN 1 AND 100),
    intake_hash    bytea NOT NULL,
    received_at    timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    created_by     bigint REFERENCES users(id),
    source         text NOT NULL DEFAULT 'api' CHECK (source IN ('api','import')),
    caller_name    text CHECK (length(caller_name) <= 100),
    caller_phone   text CHECK (caller_phone ~ '^\+?[0-9]{3,20}$'),
    caller_address text CHECK (length(caller_address) <= 500),
    confidential   boolean NOT NULL DEFAULT false,
    anonymous      boolean NOT NULL DEFAULT false,
    enterprise     boolean NOT NULL DEFAULT false,
    nature         text NOT NULL CHECK (nature IN ('consult','help','complaint','report','suggestion','praise','other')),
    category_code  text REFERENCES categories(code),
    region_code    text REFERENCES regions(code),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    content        text NOT NULL CHECK (length(content) BETWEEN 1 AND 10000),
    sla_policy     text REFERENCES sla_policies(code),
    status         text NOT NULL DEFAULT 'registered' CHECK (status IN (
                       'registered','answered','rejected','transferred','merged','dispatched','accepted',
                       'return_requested','extension_requested','replied','awaiting_callback','reopened',
                       'closed','terminated')),
    parent_id      bigint REFERENCES tickets(id),
    version        integer NOT NULL DEFAULT 1,
    UNIQUE (hotline_number, external_id),
    -- an anonymous ticket stores no personal data at all
    CHECK (NOT anonymous OR (caller_name IS NULL AND caller_phone IS NULL AND caller_address IS NULL))
);
CREATE INDEX tickets_received ON tickets (received_at DESC, id DESC);
CREATE INDEX tickets_status_received ON tickets (status, received_at DESC, id DESC);
CREATE INDEX tickets_hotline_received ON tickets (hotline_number, received_at DESC, id DESC);
-- duplicate detection looks at open tickets only
CREATE INDEX tickets_open_phone ON tickets (caller_phone, received_at)
    WHERE caller_phone IS NOT NULL AND status NOT IN ('answered','rejected','transferred','merged','closed','terminated');
CREATE INDEX tickets_open_region ON tickets (region_code, received_at)
    WHERE status NOT IN ('answered','rejected','transferred','merged','closed','terminated');
CREATE INDEX tickets_text_trgm ON tickets USING gin ((title || ' ' || content) gin_trgm_ops);

-- Which units a ticket is (or was) assigned to. Filled by dispatch; units see only tickets
-- assigned to them or to units below them.
CREATE TABLE assignments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     bigint NOT NULL REFERENCES tickets(id),
    unit_id       bigint NOT NULL REFERENCES units(id),
    role          text NOT NULL CHECK (role IN ('lead','co')),
    dispatched_at timestamptz NOT NULL DEFAULT now(),
    ended_at      timestamptz
);
CREATE INDEX assignments_ticket ON assignments (ticket_id);
CREATE INDEX assignments_unit ON assignments (unit_id, ticket_id);

-- Every transition, kept forever. Append-only: updates and deletes are refused.
CREATE TABLE ticket_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets(id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users(id),
    actor_role  text,
    kind        text NOT NULL,
    from_status text,
    to_status   text,
    payload     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Idempotency-Key: per user, the request's hash and the response it produced.
CREATE TABLE idempotency_keys (
    user_id       bigint NOT NULL REFERENCES users(id),
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  bytea NOT NULL,
    ticket_id     bigint NOT NULL REFERENCES tickets(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
