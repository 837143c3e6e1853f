-- Every rule exact (issue 12): co-unit clocks, suspension, rounds, per-clock ladder, derived
-- deadlines that calendar edits can move, published calendar years, settings, idempotent POSTs.

-- Suspension (挂起) is a request and a state.
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN (
    'registered','answered','rejected','transferred','merged','dispatched','accepted',
    'return_requested','extension_requested','suspension_requested','suspended','replied',
    'awaiting_callback','reopened','closed','terminated'));
ALTER TABLE tickets ADD COLUMN round integer NOT NULL DEFAULT 1;

-- A clock is kept as what it was derived from (start, length, extensions, suspended time), so a
-- calendar edit can derive it again; the deadline columns hold the current derivation.
-- For a co-unit (协办) the close_* columns are its co-reply clock.
ALTER TABLE assignments
    ADD COLUMN round integer NOT NULL DEFAULT 1,
    ADD COLUMN response_start timestamptz,
    ADD COLUMN response_amount integer,
    ADD COLUMN response_unit text CHECK (response_unit IN ('minutes','hours','working_days')),
    ADD COLUMN close_start timestamptz,
    ADD COLUMN close_amount integer,
    ADD COLUMN suspended_days integer NOT NULL DEFAULT 0,
    ADD COLUMN suspended_seconds double precision NOT NULL DEFAULT 0,
    ADD COLUMN suspended_since timestamptz,
    ADD COLUMN resume_at timestamptz,
    ADD COLUMN co_reply_cap boolean NOT NULL DEFAULT false,
    ADD COLUMN next_escalation_clock text CHECK (next_escalation_clock IN ('response','close','co_reply'));
-- Rows written before this migration keep NULL starts: they are read as starting at dispatch with
-- their policy's lengths (AssignmentRows.decode), so no table rewrite is needed here.
CREATE INDEX assignments_resume_due ON assignments (resume_at) WHERE resume_at IS NOT NULL;
CREATE INDEX assignments_running_close ON assignments (close_deadline) WHERE status = 'active' AND close_met_at IS NULL;

-- Reopening (重办) is a new round: the finished round's clocks are kept as they were.
CREATE TABLE assignment_rounds (
    assignment_id     bigint NOT NULL REFERENCES assignments(id),
    round             integer NOT NULL,
    response_deadline timestamptz,
    response_met_at   timestamptz,
    close_deadline    timestamptz,
    close_met_at      timestamptz,
    extension_days    integer NOT NULL,
    suspended_days    integer NOT NULL,
    ended_at          timestamptz NOT NULL,
    PRIMARY KEY (assignment_id, round)
);

-- A rung is unique per assignment, round and clock.
ALTER TABLE escalations
    ADD COLUMN round integer NOT NULL DEFAULT 1,
    ADD COLUMN clock text NOT NULL DEFAULT 'close' CHECK (clock IN ('response','close','co_reply'));
ALTER TABLE escalations DROP CONSTRAINT escalations_assignment_id_level_key;
CREATE UNIQUE INDEX escalations_rung ON escalations (assignment_id, round, clock, level);

-- Policies: co-unit opinion clock, suspension cap and reasons.
ALTER TABLE sla_policies
    ADD COLUMN co_reply_amount integer NOT NULL DEFAULT 3 CHECK (co_reply_amount > 0),
    ADD COLUMN co_reply_unit text NOT NULL DEFAULT 'working_days' CHECK (co_reply_unit IN ('minutes','hours','working_days')),
    ADD COLUMN suspension_limit_amount integer NOT NULL DEFAULT 20 CHECK (suspension_limit_amount >= 0),
    ADD COLUMN suspension_limit_unit text NOT NULL DEFAULT 'working_days' CHECK (suspension_limit_unit IN ('minutes','hours','working_days')),
    ADD COLUMN suspension_reasons text[] NOT NULL DEFAULT ARRAY['awaiting_ruling','caller_unavailable','seasonal_work','third_party']
        CHECK (cardinality(suspension_reasons) BETWEEN 1 AND 50);
UPDATE sla_policies SET co_reply_amount = 12, co_reply_unit = 'hours', suspension_limit_amount = 24, suspension_limit_unit = 'hours'
    WHERE code = 'urgent_life';

ALTER TABLE assessment_settings
    ADD COLUMN missing_rate text NOT NULL DEFAULT 'renormalize' CHECK (missing_rate IN ('renormalize','zero')),
    ADD COLUMN kb_routing boolean NOT NULL DEFAULT false;

-- A year's calendar is published once the State Council's notice is loaded; until then it is provisional.
CREATE TABLE calendar_years (
    year         integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    published    boolean NOT NULL DEFAULT false,
    published_at timestamptz
);
INSERT INTO calendar_years (year, published, published_at)
    SELECT DISTINCT extract(year FROM day)::integer, true, now() FROM calendar_days WHERE region_code IS NULL;

-- Process caches (calendar, policies, settings) notice changes by this stamp.
CREATE TABLE config_stamp (id integer PRIMARY KEY CHECK (id = 1), stamp bigint NOT NULL);
INSERT INTO config_stamp VALUES (1, 1);
CREATE FUNCTION bump_config_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE config_stamp SET stamp = stamp + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER calendar_days_stamp AFTER INSERT OR UPDATE OR DELETE ON calendar_days FOR EACH STATEMENT EXECUTE FUNCTION bump_config_stamp();
CREATE TRIGGER calendar_years_stamp AFTER INSERT OR UPDATE OR DELETE ON calendar_years FOR EACH STATEMENT EXECUTE FUNCTION bump_config_stamp();
CREATE TRIGGER sla_policies_stamp AFTER INSERT OR UPDATE OR DELETE ON sla_policies FOR EACH STATEMENT EXECUTE FUNCTION bump_config_stamp();
CREATE TRIGGER assessment_settings_stamp AFTER INSERT OR UPDATE OR DELETE ON assessment_settings FOR EACH STATEMENT EXECUTE FUNCTION bump_config_stamp();

-- Idempotency-Key for every POST that creates or records (tickets keep their own table).
CREATE TABLE request_replays (
    user_id      bigint NOT NULL REFERENCES users(id),
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash bytea NOT NULL,
    status       integer,
    content_type text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- The caller's progress lookup is throttled per number (wrong codes within an hour).
CREATE TABLE lookup_failures (
    number text NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lookup_failures_number ON lookup_failures (number, at);

-- The monthly cohort includes co-units now.
CREATE INDEX assignments_co_dispatched ON assignments (dispatched_at) WHERE role = 'co';
