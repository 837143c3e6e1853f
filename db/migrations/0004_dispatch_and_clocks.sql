-- Working-day calendar, SLA clocks as data, routing catalogue, assignment clocks, escalations.

-- Exceptions to Monday–Friday: public holidays and make-up working days, nationally or per region.
CREATE TABLE calendar_days (
    day         date NOT NULL,
    region_code text REFERENCES regions(code),
    kind        text NOT NULL CHECK (kind IN ('holiday','workday')),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX calendar_days_key ON calendar_days (day, COALESCE(region_code, ''));

-- Clock lengths per policy (amount + unit), editable through the API.
ALTER TABLE sla_policies
    ADD COLUMN response_amount integer NOT NULL DEFAULT 1 CHECK (response_amount > 0),
    ADD COLUMN response_unit text NOT NULL DEFAULT 'working_days' CHECK (response_unit IN ('minutes','hours','working_days')),
    ADD COLUMN close_amount integer NOT NULL DEFAULT 5 CHECK (close_amount > 0),
    ADD COLUMN close_unit text NOT NULL DEFAULT 'working_days' CHECK (close_unit IN ('minutes','hours','working_days')),
    ADD COLUMN callback_amount integer NOT NULL DEFAULT 1 CHECK (callback_amount > 0),
    ADD COLUMN callback_unit text NOT NULL DEFAULT 'working_days' CHECK (callback_unit IN ('minutes','hours','working_days')),
    ADD COLUMN max_extension_days integer NOT NULL DEFAULT 10 CHECK (max_extension_days >= 0),
    ADD COLUMN supervision_after_days integer NOT NULL DEFAULT 3 CHECK (supervision_after_days > 0),
    ADD COLUMN referral_after_days integer NOT NULL DEFAULT 5 CHECK (referral_after_days > 0),
    ADD COLUMN callback_attempts integer NOT NULL DEFAULT 3 CHECK (callback_attempts > 0),
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE sla_policies SET response_amount = 1, response_unit = 'hours', close_amount = 3 WHERE code = 'business_env';
UPDATE sla_policies SET response_amount = 15, response_unit = 'minutes', close_amount = 24, close_unit = 'hours' WHERE code = 'urgent_life';
UPDATE sla_policies SET response_amount = 30, response_unit = 'minutes', close_amount = 2 WHERE code = 'utilities';

-- Routing catalogue (派单目录). A rule keeps its rule_id across versions; only the newest
-- version of a rule can be active, and one active rule per matching key.
CREATE TABLE routing_rules (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id        bigint NOT NULL,
    version        integer NOT NULL,
    category_code  text NOT NULL REFERENCES categories(code),
    region_code    text REFERENCES regions(code),
    nature         text CHECK (nature IN ('consult','help','complaint','report','suggestion','praise','other')),
    hotline_number text REFERENCES hotlines(number),
    lead_unit_id   bigint NOT NULL REFERENCES units(id),
    co_unit_ids    bigint[] NOT NULL DEFAULT '{}',
    sla_policy     text NOT NULL REFERENCES sla_policies(code),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     bigint REFERENCES users(id),
    UNIQUE (rule_id, version)
);
CREATE SEQUENCE routing_rule_ids;
CREATE UNIQUE INDEX routing_rules_active_key ON routing_rules
    (category_code, COALESCE(region_code, ''), COALESCE(nature, ''), COALESCE(hotline_number, '')) WHERE active;

ALTER TABLE tickets
    ADD COLUMN dispatched_via text CHECK (dispatched_via IN ('manual','rule','hotline_default','region_government')),
    ADD COLUMN routing_rule_row_id bigint REFERENCES routing_rules(id),
    ADD COLUMN resume_status text,
    ADD COLUMN pending jsonb,
    ADD COLUMN reopen_count integer NOT NULL DEFAULT 0,
    ADD COLUMN outcome jsonb;

-- Each assignment of a ticket to a unit runs its clocks: response (签收) and close (办结),
-- and after an approved reply the callback clock.
ALTER TABLE assignments
    ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','returned','ended')),
    ADD COLUMN sla_policy text REFERENCES sla_policies(code),
    ADD COLUMN region_code text,
    ADD COLUMN response_deadline timestamptz,
    ADD COLUMN response_met_at timestamptz,
    ADD COLUMN close_unit text,
    ADD COLUMN close_deadline timestamptz,
    ADD COLUMN close_met_at timestamptz,
    ADD COLUMN extension_days integer NOT NULL DEFAULT 0,
    ADD COLUMN callback_started_at timestamptz,
    ADD COLUMN callback_deadline timestamptz,
    ADD COLUMN callback_met_at timestamptz,
    ADD COLUMN next_escalation_level text CHECK (next_escalation_level IN ('reminder','urging','supervision','referral')),
    ADD COLUMN next_escalation_at timestamptz,
    ADD COLUMN routing_rule_row_id bigint REFERENCES routing_rules(id),
    ADD COLUMN dispatched_by bigint REFERENCES users(id);
CREATE UNIQUE INDEX assignments_one_active_lead ON assignments (ticket_id) WHERE role = 'lead' AND status = 'active';
-- The sweeper reads only what is due: cost follows the work, not the history.
CREATE INDEX assignments_escalation_due ON assignments (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
CREATE INDEX assignments_active_unit ON assignments (unit_id, ticket_id) WHERE status = 'active';

-- 三单一函: one record per rung per assignment.
CREATE TABLE escalations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     bigint NOT NULL REFERENCES tickets(id),
    assignment_id bigint NOT NULL REFERENCES assignments(id),
    unit_id       bigint NOT NULL REFERENCES units(id),
    level         text NOT NULL CHECK (level IN ('reminder','urging','supervision','referral')),
    issued_at     timestamptz NOT NULL,
    required_by   timestamptz,
    issued_by     bigint REFERENCES users(id),
    note          text NOT NULL DEFAULT '',
    UNIQUE (assignment_id, level)
);
CREATE INDEX escalations_ticket ON escalations (ticket_id);
