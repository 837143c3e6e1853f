-- Knowledge that learns (issue 16): learned phrasings, 纠错 feedback with a deadline, and a
-- search log without personal data for 知识盲区. The rules are HotlineCore/Knowledge.

-- How callers said what an entry answered: scrubbed ticket words (PersonalData), one row per
-- distinct wording; `weight` counts the calls behind it. A row an owner removed stays as a
-- tombstone (removed_at) so the same words are not learned again.
CREATE TABLE kb_phrasings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id        bigint NOT NULL REFERENCES kb_entries (id),
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
    fingerprint     int4[] NOT NULL,
    weight          int NOT NULL DEFAULT 1 CHECK (weight >= 1),
    learned_at      timestamptz NOT NULL DEFAULT now(),
    last_learned_at timestamptz NOT NULL DEFAULT now(),
    removed_at      timestamptz,
    removed_by      bigint REFERENCES users (id)
);
CREATE INDEX kb_phrasings_entry ON kb_phrasings (entry_id, id);

-- Which tickets taught which phrasing (so one caller teaches an entry once, and a removal can
-- say where the words came from). The caller's phone stays on the ticket, never here.
CREATE TABLE kb_phrasing_sources (
    phrasing_id bigint NOT NULL REFERENCES kb_phrasings (id),
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    entry_id    bigint NOT NULL REFERENCES kb_entries (id),
    PRIMARY KEY (phrasing_id, ticket_id)
);
CREATE INDEX kb_phrasing_sources_entry ON kb_phrasing_sources (entry_id, ticket_id);
CREATE UNIQUE INDEX kb_phrasing_sources_once ON kb_phrasing_sources (ticket_id, entry_id);

-- A change to an entry's phrasings restamps the entry, so every instance's index reads it.
ALTER TABLE kb_entries ADD COLUMN phrasings_version int NOT NULL DEFAULT 0;
DROP TRIGGER kb_entries_stamp ON kb_entries;
CREATE TRIGGER kb_entries_stamp BEFORE UPDATE OF current_version, retired_at, owner_unit_id, phrasings_version ON kb_entries
    FOR EACH ROW EXECUTE FUNCTION kb_entries_stamp();

-- 纠错: a flag on an entry's version, a task for its owner unit due on the working-day calendar.
CREATE TABLE kb_feedback (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id        bigint NOT NULL REFERENCES kb_entries (id),
    entry_version   int NOT NULL,
    owner_unit_id   bigint REFERENCES units (id),
    kind            text NOT NULL CHECK (kind IN ('wrong', 'outdated', 'unclear', 'missing_info')),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_by      bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    due_at          timestamptz NOT NULL,
    state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    resolution      text CHECK (resolution IN ('revised', 'rejected')),
    resolution_note text NOT NULL DEFAULT '' CHECK (length(resolution_note) <= 2000),
    resolved_version int,
    resolved_by     bigint REFERENCES users (id),
    resolved_at     timestamptz,
    CHECK ((state = 'open') = (resolved_at IS NULL)),
    CHECK ((state = 'open') = (resolution IS NULL))
);
CREATE INDEX kb_feedback_open ON kb_feedback (owner_unit_id, due_at) WHERE state = 'open';
CREATE INDEX kb_feedback_by_state ON kb_feedback (state, id);
CREATE INDEX kb_feedback_entry ON kb_feedback (entry_id);

-- Searches as agents typed them, scrubbed; `used_entry_id` is set when one of the results answered
-- or routed a ticket of the same user soon after.
CREATE TABLE kb_search_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    user_id       bigint REFERENCES users (id),
    query         text NOT NULL CHECK (length(query) <= 500),
    result_ids    bigint[] NOT NULL,
    top_score     double precision,
    used_entry_id bigint REFERENCES kb_entries (id),
    used_at       timestamptz
);
CREATE INDEX kb_search_log_at ON kb_search_log (at);
CREATE INDEX kb_search_log_user ON kb_search_log (user_id, at) WHERE used_entry_id IS NULL;
