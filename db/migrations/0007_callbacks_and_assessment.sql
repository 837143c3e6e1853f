-- Callbacks (回访) and the assessment's configuration.
CREATE TABLE callbacks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     bigint NOT NULL REFERENCES tickets(id),
    assignment_id bigint REFERENCES assignments(id),      -- NULL for a sampled direct answer
    at            timestamptz NOT NULL,
    by_user       bigint REFERENCES users(id),
    reached       boolean NOT NULL,
    satisfaction  text CHECK (satisfaction IN ('satisfied','basically_satisfied','unsatisfied')),
    resolved      boolean,
    verdict       text CHECK (verdict IN ('reopen','close_unreasonable')),
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    CHECK (reached OR (satisfaction IS NULL AND resolved IS NULL AND verdict IS NULL)),
    CHECK (NOT reached OR (satisfaction IS NOT NULL AND resolved IS NOT NULL)),
    CHECK (verdict IS NULL OR satisfaction = 'unsatisfied')
);
CREATE INDEX callbacks_ticket ON callbacks (ticket_id, id);
CREATE INDEX callbacks_assignment ON callbacks (assignment_id, at) WHERE assignment_id IS NOT NULL;

ALTER TABLE tickets
    ADD COLUMN callback_due_at timestamptz,
    ADD COLUMN closed_reason text CHECK (closed_reason IN ('callback','unreachable','unreasonable','direct_answer')),
    ADD COLUMN closed_at timestamptz;
-- The callback queue: due tickets only.
CREATE INDEX tickets_callback_due ON tickets (callback_due_at, id) WHERE callback_due_at IS NOT NULL;

ALTER TABLE assignments ADD COLUMN reopen_count integer NOT NULL DEFAULT 0;
-- The monthly cohort: lead assignments by dispatch time.
CREATE INDEX assignments_lead_dispatched ON assignments (dispatched_at) WHERE role = 'lead';

CREATE TABLE assessment_settings (
    id                         integer PRIMARY KEY CHECK (id = 1),
    response_weight            double precision NOT NULL CHECK (response_weight >= 0),
    resolution_weight          double precision NOT NULL CHECK (resolution_weight >= 0),
    satisfaction_weight        double precision NOT NULL CHECK (satisfaction_weight >= 0),
    basically_satisfied_weight double precision NOT NULL CHECK (basically_satisfied_weight BETWEEN 0 AND 1),
    answer_sample_percent      integer NOT NULL CHECK (answer_sample_percent BETWEEN 0 AND 100),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK (response_weight + resolution_weight + satisfaction_weight > 0)
);
INSERT INTO assessment_settings VALUES (1, 0.30, 0.35, 0.35, 1.0, 10, now());
