-- Knowledge base (知识库): entries with full version history, retire instead of erase,
-- Chinese search over application-side bigram tokens, and synonyms that owners maintain.
CREATE TABLE kb_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    current_version integer NOT NULL DEFAULT 1,
    owner_unit_id   bigint REFERENCES units(id),
    retired_at      timestamptz,
    answer_count    bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kb_versions (
    entry_id              bigint NOT NULL REFERENCES kb_entries(id),
    version               integer NOT NULL,
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    question              text NOT NULL DEFAULT '' CHECK (length(question) <= 2000),
    answer                text NOT NULL CHECK (length(answer) BETWEEN 1 AND 10000),
    category              text NOT NULL DEFAULT '' CHECK (length(category) <= 100),
    responsible_unit_id   bigint REFERENCES units(id),
    responsible_unit_name text NOT NULL DEFAULT '' CHECK (length(responsible_unit_name) <= 200),
    keywords              text[] NOT NULL DEFAULT '{}',
    valid_from            date,
    valid_to              date,
    created_at            timestamptz NOT NULL DEFAULT now(),
    created_by            bigint REFERENCES users(id),
    -- the current version of an entry that is not retired: what search sees
    searchable            boolean NOT NULL DEFAULT false,
    search                tsvector NOT NULL,
    PRIMARY KEY (entry_id, version),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);
CREATE INDEX kb_versions_search ON kb_versions USING gin (search) WHERE searchable;
CREATE UNIQUE INDEX kb_versions_one_searchable ON kb_versions (entry_id) WHERE searchable;

CREATE TABLE kb_synonyms (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term       text NOT NULL CHECK (length(term) BETWEEN 1 AND 40),
    canonical  text NOT NULL CHECK (length(canonical) BETWEEN 1 AND 40),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES users(id),
    UNIQUE (term, canonical),
    CHECK (term <> canonical)
);

-- A directly answered ticket records the entry and the exact version it was answered with.
ALTER TABLE tickets
    ADD COLUMN kb_entry_id bigint REFERENCES kb_entries(id),
    ADD COLUMN kb_version integer;
CREATE INDEX tickets_kb_entry ON tickets (kb_entry_id) WHERE kb_entry_id IS NOT NULL;

ALTER TABLE tickets DROP CONSTRAINT tickets_dispatched_via_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_dispatched_via_check
    CHECK (dispatched_via IN ('manual','rule','kb_entry','hotline_default','region_government'));
